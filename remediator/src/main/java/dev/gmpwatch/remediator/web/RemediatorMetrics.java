package dev.gmpwatch.remediator.web;

import dev.gmpwatch.remediator.store.AuditEntry;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.prometheus.client.Gauge;
import io.prometheus.client.Histogram;
import java.util.List;

/** The remediator's own metrics, registered in its own registry. */
public final class RemediatorMetrics {
    public final CollectorRegistry registry = new CollectorRegistry();
    public final Counter webhookRequests = Counter.build("gmpwatch_remediator_webhook_requests_total",
            "Webhook requests by HTTP status code.").labelNames("code").register(registry);
    public final Histogram requestLatency = Histogram.build("gmpwatch_remediator_request_duration_seconds",
            "Webhook request latency.").buckets(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)
            .register(registry);
    public final Counter decisions = Counter.build("gmpwatch_remediator_decisions_total",
            "Per-alert decisions (executed, skipped-duplicate, skipped-rate-limited, skipped-hysteresis, dry-run, failed).")
            .labelNames("decision").register(registry);
    public final Counter actions = Counter.build("gmpwatch_remediator_actions_total",
            "Actions run against targets, by type and result.").labelNames("type", "result").register(registry);
    public final Gauge openCircuits = Gauge.build("gmpwatch_remediator_open_circuits",
            "Circuits open now.").register(registry);
    public final Gauge frozenCircuits = Gauge.build("gmpwatch_remediator_frozen_circuits",
            "Circuits frozen open by the flap guard.").register(registry);

    public RemediatorMetrics() {
        // Series exist at 0 from the start, so that rate() and increase() see the first action.
        for (String decision : List.of(AuditEntry.EXECUTED, AuditEntry.SKIPPED_DUPLICATE, AuditEntry.SKIPPED_RATE_LIMITED,
                AuditEntry.SKIPPED_HYSTERESIS, AuditEntry.DRY_RUN, AuditEntry.FAILED)) {
            decisions.labels(decision);
        }
        for (String type : List.of("haproxy", "http")) {
            actions.labels(type, "ok");
            actions.labels(type, "error");
        }
        actions.labels("gomaxprocs", AuditEntry.EXECUTED);
        actions.labels("gomaxprocs", AuditEntry.FAILED);
    }
}
