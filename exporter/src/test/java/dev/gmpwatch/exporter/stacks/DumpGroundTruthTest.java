package dev.gmpwatch.exporter.stacks;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.exporter.testing.FixtureProcess;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoFixtures.Variant;
import dev.gmpwatch.exporter.testing.GoToolchain;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * gmpwatch's reading of a process against the goroutine dump the runtime prints on SIGQUIT, which
 * any Go binary gives, on every toolchain, normal, stripped and PIE: the closures fixture starts
 * goroutines in every shape a go statement takes, and the stuck fixture parks them in every kind
 * of wait.
 */
class DumpGroundTruthTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    static Stream<Arguments> builds() {
        return GoFixtures.allBuilds();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("builds")
    void closuresOfEveryShapeEqualTheDump(GoToolchain go, Variant variant) throws Exception {
        DumpComparison c = compare(go, "closures", variant);
        c.assertAgree(go.version() + " " + variant.label() + " closures");
        assertTrue(c.ours.live() >= 13, "the fixture's goroutines are all there: " + c.ours.byEntry());
        assertTrue(c.ours.byEntry().containsKey("main.wait"), "go wait(x) runs main.wait, its wrapper resolved: " + c.ours.byEntry());
        if (dev.gmpwatch.exporter.gobinary.GoVersion.minorNumber(c.goVersion) >= 18) {
            assertTrue(c.ours.byEntry().containsKey("main.waitFor[...]"), "a generic function, named as the runtime prints it: "
                    + c.ours.byEntry());
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("builds")
    void parkedGoroutinesOfEveryKindEqualTheDump(GoToolchain go, Variant variant) throws Exception {
        compare(go, "stuck", variant).assertAgree(go.version() + " " + variant.label() + " stuck");
    }

    private DumpComparison compare(GoToolchain go, String fixture, Variant variant) throws Exception {
        Path bin = GoFixtures.build(go, fixture, variant);
        Path stderr = DumpComparison.dumpFile(go.version() + "-" + fixture + "-" + variant.label());
        try (FixtureProcess fx = FixtureProcess.start(List.of(bin.toString()), stderr)) {
            fx.await("ready", WAIT);
            return DumpComparison.readThenDump(bin, fx.pid(), stderr);
        }
    }
}
