package dev.gmpwatch.remediator.action.http;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Sends the open or close request of an HTTP breaker. Each destination
 * (scheme, host, port) has its own Resilience4j Retry and CircuitBreaker; redirects are not
 * followed, so a response can never send the request somewhere else.
 */
final class HttpCaller {
    private static final MediaType JSON = MediaType.get("application/json");

    private final OkHttpClient base = new OkHttpClient.Builder().followRedirects(false).followSslRedirects(false).build();
    private final Map<String, CircuitBreaker> breakers = new ConcurrentHashMap<>();
    private final Map<String, Retry> retries = new ConcurrentHashMap<>();

    /** An answer the destination gave on purpose (4xx): sending it again would not help. */
    static final class Refused extends IOException {
        Refused(String message) {
            super(message);
        }
    }

    /** Sends the request; returns a one-line result, or throws with the reason ({@link Refused} for a 4xx). */
    String call(String method, String url, String op, long intentId, Duration timeout, int maxRetries) throws IOException {
        HttpUrl parsed = HttpUrl.parse(url);
        if (parsed == null) {
            throw new IOException("not a URL: " + url);
        }
        String destination = parsed.scheme() + "://" + parsed.host() + ":" + parsed.port();
        OkHttpClient client = base.newBuilder().callTimeout(timeout).build();
        Request request = new Request.Builder().url(parsed)
                .method(method, RequestBody.create("{\"action\":\"" + op + "\"}", JSON))
                .header("Idempotency-Key", "gmpwatch-intent-" + intentId)
                .build();
        CircuitBreaker breaker = breakers.computeIfAbsent(destination, d -> CircuitBreaker.of(d, CircuitBreakerConfig.custom()
                .failureRateThreshold(50).minimumNumberOfCalls(4).slidingWindowSize(10)
                .waitDurationInOpenState(Duration.ofSeconds(30)).ignoreExceptions(Refused.class).build())); // a 4xx: it is up
        Retry retry = retries.computeIfAbsent(destination + "#" + maxRetries, d -> Retry.of(d, RetryConfig.custom()
                .maxAttempts(maxRetries + 1).intervalFunction(IntervalFunction.ofExponentialBackoff(Duration.ofMillis(200), 2))
                .retryExceptions(IOException.class).ignoreExceptions(CallNotPermittedException.class, Refused.class).build()));
        try {
            return Retry.decorateCheckedSupplier(retry, CircuitBreaker.decorateCheckedSupplier(breaker, () -> send(client, request)))
                    .get();
        } catch (CallNotPermittedException e) {
            throw new IOException("circuit breaker for " + destination + " is open after repeated failures");
        } catch (IOException e) {
            throw e;
        } catch (Throwable e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static String send(OkHttpClient client, Request request) throws IOException {
        try (Response r = client.newCall(request).execute()) {
            if (r.code() >= 400 && r.code() < 500) {
                throw new Refused(request.method() + " " + request.url().encodedPath() + " answered " + r.code());
            }
            if (!r.isSuccessful()) {
                throw new IOException(request.method() + " " + request.url().encodedPath() + " answered " + r.code());
            }
            return request.method() + " " + request.url().encodedPath() + " answered " + r.code();
        }
    }
}
