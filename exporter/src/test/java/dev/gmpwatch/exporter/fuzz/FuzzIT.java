package dev.gmpwatch.exporter.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gmpwatch.exporter.testing.Command;
import dev.gmpwatch.exporter.testing.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Coverage-guided fuzzing of every parser of hostile input, with Jazzer, one JVM per target:
 * first every committed regression input (src/test/resources/fuzz/TARGET), then fuzzing from
 * seeds cut from real binaries for -Dgmpwatch.fuzz.seconds (30 by default; the README gives a
 * longer local run). The contract: any input ends in a result or our own typed exception, within
 * 10 s per input and 2.5 GB of memory. A finding fails the test and names the input Jazzer saved.
 */
class FuzzIT {
    private static final int SECONDS = Integer.getInteger("gmpwatch.fuzz.seconds", 30);
    private static final Pattern DONE = Pattern.compile("Done (\\d+) runs in (\\d+) second");

    @ParameterizedTest
    @ValueSource(strings = {"ElfTarget", "GoBinaryTarget", "PclntabTarget", "BuildInfoTarget", "DwarfTarget", "X86Target",
        "Arm64Target", "SnapshotTarget"})
    void survivesFuzzing(String target) throws Exception {
        Path work = Repo.scratch("fuzz").resolve(target);
        Path corpus = work.resolve("corpus");
        Path seeds = work.resolve("seeds");
        Files.createDirectories(corpus);
        FuzzSeeds.write(target, seeds);
        Path regressions = Repo.root().resolve("exporter/src/test/resources/fuzz").resolve(target);
        List<String> cmd = new ArrayList<>(List.of("java", "-Xmx1g", "-Dgmpwatch.fuzz.goBinary=" + FuzzSeeds.layoutBinary(),
                "-cp", System.getProperty("java.class.path"),
                "com.code_intelligence.jazzer.Jazzer", "--target_class=dev.gmpwatch.exporter.fuzz." + target,
                "-max_total_time=" + SECONDS, "-timeout=10", "-rss_limit_mb=2560", "-artifact_prefix=" + work + "/",
                corpus.toString(), seeds.toString()));
        if (Files.isDirectory(regressions)) { // git keeps no empty directory: targets without findings have none
            cmd.add(regressions.toString());
        }
        Command.Result r = Command.run(cmd, Map.of(), work, Duration.ofSeconds(SECONDS + 300));
        String log = r.stdout() + r.stderr();
        if (r.exitCode() != 0) {
            int at = Math.max(0, Math.max(log.indexOf("== Java Exception"), log.indexOf("ERROR: libFuzzer")));
            String saved;
            try (Stream<Path> s = Files.list(work)) {
                saved = s.filter(p -> p.getFileName().toString().matches("(crash|timeout|oom|leak)-.*")).map(Path::toString)
                        .findFirst().orElse("none");
            }
            throw new AssertionError(target + " failed (exit " + r.exitCode() + "); input saved at " + saved + ":\n"
                    + log.substring(at, Math.min(log.length(), at + 3000)));
        }
        Matcher m = DONE.matcher(log);
        assertTrue(m.find(), "Jazzer reported no run count:\n" + log.substring(Math.max(0, log.length() - 2000)));
        long runs = Long.parseLong(m.group(1));
        long corpusSize;
        try (Stream<Path> s = Files.list(corpus)) {
            corpusSize = s.count();
        }
        System.out.printf("fuzz %s: %,d runs in %s s, corpus %d inputs, no findings%n", target, runs, m.group(2), corpusSize);
        assertTrue(runs > 0, "no input ran");
        assertEquals(0, r.exitCode());
    }
}
