package dev.gmpwatch.exporter.e2e;

import dev.gmpwatch.exporter.testing.Command;
import dev.gmpwatch.exporter.testing.FixtureProcess;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoToolchain;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One spawner fixture and one exporter watching it per toolchain, shared by the tests of a class
 * that each check one behaviour from deltas; closed once, after the class.
 */
final class SharedFixtures implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(60);

    /** A fixture, the exporter watching it, and the uprobe links there were before either started. */
    record Watched(FixtureProcess fx, ExporterProcess exporter, String pid, int linksBefore) {
    }

    /** What the fixture does before the exporter starts. */
    interface Setup {
        void run(FixtureProcess fx);
    }

    private final Setup setup;
    private final List<String> exporterFlags;
    private final Map<String, Watched> byToolchain = new HashMap<>();

    /** @param exporterFlags the exporter's flags beside {@code --pid} */
    SharedFixtures(Setup setup, String... exporterFlags) {
        this.setup = setup;
        this.exporterFlags = List.of(exporterFlags);
    }

    synchronized Watched of(GoToolchain go) throws Exception {
        Watched w = byToolchain.get(go.version());
        if (w == null) {
            int linksBefore = Command.uprobeLinks();
            FixtureProcess fx = FixtureProcess.start(GoFixtures.build(go, "spawner", GoFixtures.Variant.NORMAL));
            fx.await("ready", WAIT);
            setup.run(fx);
            String pid = Long.toString(fx.pid());
            List<String> flags = new ArrayList<>(List.of("--pid", pid));
            flags.addAll(exporterFlags);
            ExporterProcess exporter = ExporterProcess.start(flags.toArray(String[]::new));
            exporter.awaitWatching(fx.pid());
            w = new Watched(fx, exporter, pid, linksBefore);
            byToolchain.put(go.version(), w);
        }
        return w;
    }

    @Override
    public synchronized void close() throws InterruptedException {
        for (Watched w : byToolchain.values()) {
            w.exporter().close();
            w.fx().close();
        }
        byToolchain.clear();
    }
}
