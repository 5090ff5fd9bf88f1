package dev.gmpwatch.remediator.engine;

import dev.gmpwatch.remediator.config.ActionTypes;
import dev.gmpwatch.remediator.core.Decision;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.prometheus.client.Gauge;
import io.prometheus.client.Histogram;
import java.util.List;

/** The remediator's own metrics, registered in its own registry. */
public final class RemediatorMetrics {
    /** The results of {@code gmpwatch_remediator_actions_total}, the same for every action. */
    public static final List<String> RESULTS = List.of("ok", "refused", "failed", "dry-run");

    public final CollectorRegistry registry = new CollectorRegistry();
    public final Counter webhookRequests = Counter.build("gmpwatch_remediator_webhook_requests_total",
            "Webhook requests by HTTP status code.").labelNames("code").register(registry);
    public final Histogram requestLatency = Histogram.build("gmpwatch_remediator_request_duration_seconds",
            "Webhook request latency.").buckets(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)
            .register(registry);
    public final Counter decisions = Counter.build("gmpwatch_remediator_decisions_total",
            "Per-alert decisions (queued, executed, skipped-duplicate, skipped-rate-limited, skipped-hysteresis, skipped-forbidden, dry-run, failed, retrying).")
            .labelNames("decision").register(registry);
    public final Counter actions = Counter.build("gmpwatch_remediator_actions_total",
            "Queued actions run to an end, by action (haproxy, http, gomaxprocs, kubernetes) and result (ok, refused, failed, dry-run).")
            .labelNames("action", "result").register(registry);
    public final Counter retries = Counter.build("gmpwatch_remediator_action_retries_total",
            "Attempts that could not reach the target and were rescheduled with backoff, by action.")
            .labelNames("action").register(registry);
    public final Gauge pendingActions = Gauge.build("gmpwatch_remediator_pending_actions",
            "Queued actions not finished yet, including those waiting to retry.").register(registry);
    public final Gauge openCircuits = Gauge.build("gmpwatch_remediator_open_circuits",
            "Circuits open now.").register(registry);
    public final Gauge frozenCircuits = Gauge.build("gmpwatch_remediator_frozen_circuits",
            "Circuits frozen open by the flap guard.").register(registry);

    public RemediatorMetrics(ActionTypes types) {
        // Series exist at 0 from the start, so that rate() and increase() see the first action.
        for (Decision d : Decision.values()) {
            decisions.labels(d.label());
        }
        types.all().forEach(t -> {
            RESULTS.forEach(r -> actions.labels(t.name(), r));
            retries.labels(t.name());
        });
    }
}
