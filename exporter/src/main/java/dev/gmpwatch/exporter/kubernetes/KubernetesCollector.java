package dev.gmpwatch.exporter.kubernetes;

import io.prometheus.client.Collector;
import io.prometheus.client.Collector.MetricFamilySamples.Sample;
import java.util.ArrayList;
import java.util.List;

/** The pod watch's own health: served with --kubernetes, beside the per-process series it names. */
public final class KubernetesCollector extends Collector {
    private final KubernetesStats stats;
    private final PodIndex index;

    public KubernetesCollector(KubernetesStats stats, PodIndex index) {
        this.stats = stats;
        this.index = index;
    }

    @Override
    public List<MetricFamilySamples> collect() {
        List<Sample> errors = new ArrayList<>();
        stats.errors().forEach((reason, n) -> errors.add(new Sample("gmpwatch_kubernetes_api_errors_total", List.of("reason"), List.of(reason), n)));
        return List.of(
                new MetricFamilySamples("gmpwatch_kubernetes_api_errors", Type.COUNTER,
                        "Requests to the Kubernetes API that failed, by why; the names known so far stay served meanwhile.", errors),
                family("gmpwatch_kubernetes_up", Type.GAUGE, "1 while the pod list or watch is connected to the Kubernetes API.",
                        "gmpwatch_kubernetes_up", stats.up() ? 1 : 0),
                family("gmpwatch_kubernetes_lists", Type.COUNTER, "Full lists of the node's pods: the first, and one after each expired watch.",
                        "gmpwatch_kubernetes_lists_total", stats.lists()),
                family("gmpwatch_kubernetes_watch_events", Type.COUNTER, "Pod watch events applied (added, modified, deleted, bookmarks).",
                        "gmpwatch_kubernetes_watch_events_total", stats.events()),
                family("gmpwatch_kubernetes_pods", Type.GAUGE, "Pods of this node the exporter knows the names of.",
                        "gmpwatch_kubernetes_pods", index.size()));
    }

    private static MetricFamilySamples family(String name, Type type, String help, String sample, double value) {
        return new MetricFamilySamples(name, type, help, List.of(new Sample(sample, List.of(), List.of(), value)));
    }
}
