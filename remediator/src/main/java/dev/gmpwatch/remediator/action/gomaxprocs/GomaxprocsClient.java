package dev.gmpwatch.remediator.action.gomaxprocs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/** Talks to a service's gmpwatch admin endpoint (deploy/gomaxprocs). */
public final class GomaxprocsClient {
    /** What the endpoint reports. */
    public record Reading(int gomaxprocs, int numCpu, boolean envOverride) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final OkHttpClient http = new OkHttpClient.Builder().followRedirects(false)
            .callTimeout(Duration.ofSeconds(5)).build();

    public Reading read(String url, Optional<String> token) throws IOException {
        return call(new Request.Builder().url(url).get(), token);
    }

    public Reading set(String url, Optional<String> token, int value) throws IOException {
        return call(new Request.Builder().url(url).post(RequestBody.create("{\"value\":" + value + "}",
                MediaType.get("application/json"))), token);
    }

    private Reading call(Request.Builder b, Optional<String> token) throws IOException {
        token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
        try (Response r = http.newCall(b.build()).execute()) {
            String body = r.body() == null ? "" : r.body().string();
            if (!r.isSuccessful()) {
                throw new IOException("admin endpoint answered " + r.code() + ": " + body.strip());
            }
            JsonNode j = JSON.readTree(body);
            return new Reading(j.path("gomaxprocs").asInt(), j.path("numCPU").asInt(), j.path("envOverride").asBoolean());
        }
    }
}
