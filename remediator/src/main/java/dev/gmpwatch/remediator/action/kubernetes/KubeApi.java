package dev.gmpwatch.remediator.action.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * The few Kubernetes API calls the kubernetes action makes (OkHttp and Jackson): get and patch a
 * pod, its status and its resize subresource, and list a Service's EndpointSlices. An answer of
 * 5xx, 429 or no answer is an IOException (the engine retries); any other non-2xx is an
 * {@link ApiRefusal} with the verb and resource, which retrying would not change.
 */
final class KubeApi {
    static final MediaType STRATEGIC = MediaType.get("application/strategic-merge-patch+json");
    static final MediaType MERGE = MediaType.get("application/merge-patch+json");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A definite "no" from the API server: forbidden, not found, invalid, conflict. */
    static final class ApiRefusal extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        ApiRefusal(int status, String message) {
            super(message);
            this.status = status;
        }

        boolean forbidden() {
            return status == 403;
        }

        boolean notFound() {
            return status == 404;
        }
    }

    private final String server;
    private final OkHttpClient http;
    private final Supplier<Optional<String>> token;

    KubeApi(KubeConnection connection, Duration timeout) {
        this.server = connection.server();
        this.token = connection.token();
        this.http = new OkHttpClient.Builder().sslSocketFactory(connection.tls().getSocketFactory(), connection.trust())
                .followRedirects(false).callTimeout(timeout).build();
    }

    JsonNode getPod(String namespace, String name) throws IOException, ApiRefusal {
        return call("get", "pods", namespace, name, new Request.Builder().url(pod(namespace, name, "")).get());
    }

    JsonNode patchPod(String namespace, String name, String subresource, MediaType type, String body) throws IOException, ApiRefusal {
        String resource = subresource.isEmpty() ? "pods" : "pods/" + subresource;
        return call("patch", resource, namespace, name,
                new Request.Builder().url(pod(namespace, name, subresource.isEmpty() ? "" : "/" + subresource))
                        .patch(RequestBody.create(body, type)));
    }

    /** The pods of a namespace (for the readiness gates' first condition). */
    JsonNode pods(String namespace) throws IOException, ApiRefusal {
        return call("list", "pods", namespace, "", new Request.Builder().url(server + "/api/v1/namespaces/" + namespace + "/pods").get());
    }

    /** The EndpointSlices of one Service (the kubernetes.io/service-name label). */
    JsonNode endpointSlices(String namespace, String service) throws IOException, ApiRefusal {
        String url = server + "/apis/discovery.k8s.io/v1/namespaces/" + namespace
                + "/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3D" + service;
        return call("list", "endpointslices.discovery.k8s.io", namespace, service, new Request.Builder().url(url).get());
    }

    private String pod(String namespace, String name, String subresource) {
        return server + "/api/v1/namespaces/" + namespace + "/pods/" + name + subresource;
    }

    private JsonNode call(String verb, String resource, String namespace, String name, Request.Builder b)
            throws IOException, ApiRefusal {
        token.get().ifPresent(t -> b.header("Authorization", "Bearer " + t));
        b.header("Accept", "application/json");
        try (Response r = http.newCall(b.build()).execute()) {
            String body = r.body() == null ? "" : r.body().string();
            if (r.isSuccessful()) {
                return JSON.readTree(body);
            }
            String message = message(body);
            String what = verb + " " + resource + " " + namespace + "/" + name;
            if (r.code() >= 500 || r.code() == 429) {
                throw new IOException(what + ": the API server answered " + r.code() + (message.isEmpty() ? "" : ": " + message));
            }
            throw new ApiRefusal(r.code(), what + ": " + r.code() + (message.isEmpty() ? "" : " " + message));
        }
    }

    private static String message(String body) {
        try {
            return JSON.readTree(body).path("message").asText("");
        } catch (IOException e) {
            return body.lines().findFirst().orElse("").strip();
        }
    }
}
