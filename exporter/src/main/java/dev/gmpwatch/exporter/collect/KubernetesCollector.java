package dev.gmpwatch.exporter.collect;

import dev.gmpwatch.exporter.kubernetes.KubernetesNames;
import dev.gmpwatch.exporter.sampling.Scrape;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Supplier;

/** The pod watch's own health: served with --kubernetes, beside the per-process series it names. */
final class KubernetesCollector implements MetricsCollector {
    static final Metric UP = Metric.gauge("gmpwatch_kubernetes_up",
            "1 while the pod list or watch is connected to the Kubernetes API.").exporterWide();
    static final Metric API_ERRORS = Metric.counter("gmpwatch_kubernetes_api_errors_total",
            "Requests to the Kubernetes API that failed, by why (unreachable, unauthorized, forbidden, bad_response);"
            + " the names known so far stay served meanwhile.", "reason").exporterWide();
    static final Metric LISTS = Metric.counter("gmpwatch_kubernetes_lists_total",
            "Full lists of the node's pods: the first, and one after each expired watch.").exporterWide();
    static final Metric EVENTS = Metric.counter("gmpwatch_kubernetes_watch_events_total",
            "Pod watch events applied (added, modified, deleted, bookmarks).").exporterWide();
    static final Metric PODS = Metric.gauge("gmpwatch_kubernetes_pods", "Pods of this node the exporter knows the names of.")
            .exporterWide();
    static final List<Metric> DECLARED = List.of(UP, API_ERRORS, LISTS, EVENTS, PODS);

    private final Supplier<KubernetesNames.Health> health;

    KubernetesCollector(Supplier<KubernetesNames.Health> health) {
        this.health = health;
    }

    @Override
    public void collect(Scrape scrape, Families f) {
        KubernetesNames.Health h = health.get();
        f.add(UP, List.of(), h.up() ? 1 : 0);
        new TreeMap<>(h.errors()).forEach((reason, n) -> f.add(API_ERRORS, List.of(reason), n));
        f.add(LISTS, List.of(), h.lists());
        f.add(EVENTS, List.of(), h.events());
        f.add(PODS, List.of(), h.pods());
    }
}
