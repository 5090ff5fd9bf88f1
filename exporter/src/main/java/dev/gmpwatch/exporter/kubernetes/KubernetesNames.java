package dev.gmpwatch.exporter.kubernetes;

import dev.gmpwatch.exporter.discovery.ProcessLabeler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The --kubernetes feature, wired: the API connection, the watch of this node's pods, the index
 * that names processes, and its self-metrics.
 */
public final class KubernetesNames implements AutoCloseable {
    private final ApiServer api;
    private final String node;
    private final PodIndex index = new PodIndex();
    private final KubernetesStats stats = new KubernetesStats();
    private final PodWatch watch;

    private KubernetesNames(ApiServer api, String node) {
        this.api = api;
        this.node = node;
        this.watch = new PodWatch(api, node, index, stats);
    }

    /**
     * From the flags: on with --kubernetes or --kubernetes.kubeconfig; the in-cluster service
     * account unless a kubeconfig is given; the node from --kubernetes.node, else NODE_NAME (the
     * downward API's spec.nodeName).
     */
    public static Optional<KubernetesNames> fromFlags(boolean on, String kubeconfig, String node, Map<String, String> env)
            throws KubernetesException {
        if (!on && kubeconfig == null && node == null) {
            return Optional.empty();
        }
        String nodeName = node != null ? node : env.getOrDefault("NODE_NAME", "");
        if (nodeName.isEmpty()) {
            throw new KubernetesException("the node name is unknown: set --kubernetes.node, or NODE_NAME from the downward API"
                    + " (fieldRef spec.nodeName)");
        }
        if (!nodeName.matches("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")) {
            throw new KubernetesException("'" + nodeName + "' is not a node name (lower-case DNS subdomain)");
        }
        ApiServer api;
        if (kubeconfig != null) {
            if (!Files.isRegularFile(Path.of(kubeconfig))) {
                throw new KubernetesException("--kubernetes.kubeconfig " + kubeconfig + ": no such file");
            }
            api = ApiServer.fromKubeconfig(Path.of(kubeconfig));
        } else {
            api = ApiServer.inCluster(env, ApiServer.SERVICE_ACCOUNT);
        }
        return Optional.of(new KubernetesNames(api, nodeName));
    }

    public ProcessLabeler labeler() {
        return new PodLabeler(index);
    }

    /** The pod watch's health at this moment, for the kubernetes collector. */
    public Health health() {
        return new Health(stats.up(), stats.errors(), stats.lists(), stats.events(), index.size());
    }

    /**
     * @param errors failed requests by why (unreachable, unauthorized, forbidden, bad_response)
     * @param pods   this node's pods whose names are known
     */
    public record Health(boolean up, Map<String, Long> errors, long lists, long events, int pods) {
    }

    public void start() {
        watch.start();
    }

    public String describe() {
        return api.url() + " (node " + node + ")";
    }

    @Override
    public void close() {
        watch.close();
    }
}
