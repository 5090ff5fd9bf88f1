package dev.gmpwatch.remediator.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Polling waits for the processes and servers the tests start. */
public final class Waits {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private Waits() {
    }

    /** Waits for a condition; fails naming what it waited for, or the watched process if it died first. */
    public static void until(BooleanSupplier condition, Duration timeout, String what, Process watched) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            if (watched != null && !watched.isAlive()) {
                throw new AssertionError(what + ": the process exited with " + watched.exitValue());
            }
            Thread.sleep(100);
        }
    }

    /** A condition that may fail on the way, as HTTP calls do: an exception counts as "not yet". */
    public interface Check {
        boolean holds() throws Exception;
    }

    /** Waits for a check; fails naming what it waited for, with the last exception if there was one. */
    public static void check(Check check, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (true) {
            try {
                if (check.holds()) {
                    return;
                }
            } catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + (last == null ? "" : " (last error: " + last + ")"));
            }
            Thread.sleep(100);
        }
    }

    /** GET answers 200. */
    public static boolean ok(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Stops processes and waits until they are gone, so their files can be removed. */
    public static void stop(Process... processes) throws InterruptedException {
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        }
    }
}
