package dev.gmpwatch.exporter.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Go toolchain the tests build fixtures with: the newest Go on the machine and Debian's
 * golang-1.19 (both required), plus those in toolchains.txt that GOTOOLCHAIN can fetch.
 */
public final class GoToolchain {
    private static final Path NEWEST_GO = newestGo();
    private static final Path DEBIAN_GO_119 = Path.of("/usr/lib/go-1.19/bin/go");
    private static List<GoToolchain> available;
    private static final Map<String, String> UNAVAILABLE = new LinkedHashMap<>();

    private final String version;
    private final Path go;
    private final String gotoolchain;

    private GoToolchain(String version, Path go, String gotoolchain) {
        this.version = version;
        this.go = go;
        this.gotoolchain = gotoolchain;
    }

    /** The version, e.g. "go1.26.8". */
    public String version() {
        return version;
    }

    public List<String> command(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(go.toString());
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Environment for every go command: pinned toolchain, module mode, no cgo. */
    public Map<String, String> env() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("GOTOOLCHAIN", gotoolchain);
        env.put("GOFLAGS", "-mod=mod");
        env.put("CGO_ENABLED", "0");
        env.put("GO111MODULE", "on");
        env.put("PATH", go.getParent() + ":" + System.getenv("PATH"));
        return env;
    }

    /** The two toolchains every end-to-end test runs with: the newest Go and Debian's Go 1.19. */
    public static List<GoToolchain> newestAndGo119() {
        return all().subList(0, 2);
    }

    public static synchronized GoToolchain newest() {
        return all().get(0);
    }

    public static synchronized List<GoToolchain> all() {
        if (available == null) {
            List<GoToolchain> list = new ArrayList<>();
            list.add(required(NEWEST_GO, "the newest Go (/usr/local/go or go on PATH)"));
            list.add(required(DEBIAN_GO_119, "Debian's golang-1.19 (apt-get install golang-1.19-go, or scripts/setup.sh)"));
            for (String v : listed()) {
                GoToolchain t = new GoToolchain(v, NEWEST_GO, v);
                Command.Result r = Command.run(t.command("version"), t.env(), null, Duration.ofMinutes(5));
                if (r.exitCode() == 0 && r.stdout().contains(v + " ")) {
                    list.add(t);
                } else {
                    UNAVAILABLE.put(v, (r.stderr() + r.stdout()).strip().replace('\n', ' '));
                    System.out.println("NOTE: Go toolchain " + v + " is unavailable here: " + UNAVAILABLE.get(v));
                }
            }
            available = List.copyOf(list);
        }
        return available;
    }

    /** Toolchains listed in toolchains.txt that could not be fetched, with the reason. */
    public static synchronized Map<String, String> unavailable() {
        all();
        return Map.copyOf(UNAVAILABLE);
    }

    /** The machine's own Go: /usr/local/go, else the first go on PATH. */
    private static Path newestGo() {
        Path local = Path.of("/usr/local/go/bin/go");
        if (Files.isExecutable(local)) {
            return local;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path go = Path.of(dir, "go");
            if (!dir.isEmpty() && Files.isExecutable(go)) {
                return go.toAbsolutePath();
            }
        }
        return local;
    }

    private static GoToolchain required(Path go, String what) {
        if (!Files.isExecutable(go)) {
            throw new AssertionError("missing " + what + " at " + go);
        }
        GoToolchain probe = new GoToolchain("?", go, "local");
        String out = Command.check(probe.command("env", "GOVERSION"), probe.env(), null, Duration.ofMinutes(1)).strip();
        return new GoToolchain(out, go, "local");
    }

    private static List<String> listed() {
        try {
            return Files.readAllLines(Repo.root().resolve("exporter/src/test/resources/toolchains.txt")).stream()
                    .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        } catch (IOException e) {
            throw new AssertionError("cannot read toolchains.txt", e);
        }
    }

    @Override
    public String toString() {
        return version;
    }
}
