package dev.gmpwatch.exporter.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.exporter.testing.FixtureProcess;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoToolchain;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Processes as containers and deploys leave them: run from a path only their own mount namespace
 * has, run from a file deleted or replaced after they started, and gone in the middle of being
 * read. The exporter reads the file each process actually runs (/proc/PID/exe), not the path.
 */
class ContainersIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void aProcessInItsOwnMountNamespaceIsServedFromAPathTheHostDoesNotHave() throws Exception {
        Path bin = GoFixtures.build(GoToolchain.newest(), "spawner", GoFixtures.Variant.STRIPPED);
        Path mountPoint = Files.createTempDirectory("gmpwatch-container");
        Path inside = mountPoint.resolve("app-in-container");
        // A private tmpfs over an empty host directory: the binary exists only in the new namespace.
        String script = "mount -t tmpfs tmpfs '" + mountPoint + "' && cp '" + bin + "' '" + inside + "' && exec '" + inside + "'";
        try (FixtureProcess fx = FixtureProcess.start(List.of("unshare", "--mount", "--propagation", "private", "--fork",
                "sh", "-c", script))) {
            long pid = Long.parseLong(fx.await("ready", WAIT));
            assertFalse(Files.exists(inside), "the host has no " + inside);
            fx.send("leak 23");
            fx.await("done", WAIT);
            assertServed(pid, "app-in-container", 23);
        }
    }

    @Test
    void aProcessWhoseBinaryWasDeletedOrReplacedIsReadFromTheFileItRuns() throws Exception {
        Path bin = GoFixtures.build(GoToolchain.newest(), "spawner", GoFixtures.Variant.PIE);
        Path other = GoFixtures.build(GoToolchain.newest(), "httpserver", GoFixtures.Variant.NORMAL);
        Path dir = Files.createTempDirectory("gmpwatch-deploy");
        Path deleted = Files.copy(bin, dir.resolve("svc-deleted"));
        Path replaced = Files.copy(bin, dir.resolve("svc-replaced"));
        try (FixtureProcess a = FixtureProcess.start(deleted); FixtureProcess b = FixtureProcess.start(replaced)) {
            long pidA = Long.parseLong(a.await("ready", WAIT));
            long pidB = Long.parseLong(b.await("ready", WAIT));
            Files.delete(deleted);
            // A deploy: a new binary renamed over the path the process started from.
            Path next = Files.copy(other, dir.resolve("svc-replaced.new"));
            Files.move(next, replaced, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            a.send("leak 7");
            a.await("done", WAIT);
            b.send("leak 11");
            b.await("done", WAIT);
            assertServed(pidA, "svc-deleted", 7);
            assertServed(pidB, "svc-replaced", 11);
        }
    }

    @Test
    void processesThatExitWhileBeingReadAreDroppedCleanly() throws Exception {
        Path bin = GoFixtures.build(GoToolchain.newest(), "spawner", GoFixtures.Variant.NORMAL);
        try (ExporterProcess exporter = ExporterProcess.start("--discover", "--discover.interval", "100ms",
                "--discover.match", "spawner", "--walk.min-interval", "0s")) {
            List<Long> pids = new ArrayList<>();
            int served = 0;
            for (int round = 0; round < 30; round++) {
                try (FixtureProcess fx = FixtureProcess.start(bin)) {
                    long pid = Long.parseLong(fx.await("ready", WAIT));
                    pids.add(pid);
                    fx.send("leak 2000");
                    if (round % 3 == 0) {
                        exporter.awaitWatching(pid); // served, then killed in the middle of the next scrape
                        served++;
                    } else {
                        Thread.sleep(round * 7 % 150); // killed at varying points of discovery and analysis
                    }
                    Thread scrape = new Thread(() -> {
                        try {
                            exporter.scrape();
                        } catch (Exception e) {
                            // the exporter's health is checked below
                        }
                    });
                    scrape.start();
                    Thread.sleep(round % 5);
                    fx.close();
                    scrape.join(30_000);
                }
            }
            Thread.sleep(1000);
            Scrape after = exporter.scrape();
            assertEquals(10, served);
            for (long pid : pids) {
                assertFalse(after.has("gmpwatch_target_info", "pid", Long.toString(pid)), "pid " + pid + " is gone from the metrics");
            }
            assertTrue(exporter.logText().lines().noneMatch(l -> l.startsWith("\tat ") || l.contains("Exception")),
                    "no stack trace or exception in the log:\n" + exporter.logText());
        }
    }

    private static void assertServed(long pid, String exe, int leaked) throws Exception {
        try (ExporterProcess exporter = ExporterProcess.start("--pid", Long.toString(pid), "--walk.min-interval", "0s")) {
            Scrape s = exporter.awaitWatching(pid);
            String p = Long.toString(pid);
            assertEquals(1, s.value("gmpwatch_target_info", "pid", p, "exe", exe, "status", "watching"), s.text);
            assertEquals(leaked, s.value("gmpwatch_goroutines_by_creator", "pid", p, "creator", "main.leaker"), s.text);
            assertEquals(s.value("gmpwatch_goroutines_live", "pid", p), s.sum("gmpwatch_goroutines", "pid", p));
        }
    }
}
