package dev.gmpwatch.exporter.testing;

import dev.gmpwatch.exporter.elf.Machine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Builds the Go programs under src/test/resources/fixtures with a given toolchain, once per run. */
public final class GoFixtures {
    /** How a fixture is linked. */
    public enum Variant {
        NORMAL, STRIPPED, PIE;

        List<String> flags() {
            return switch (this) {
                case NORMAL -> List.of();
                case STRIPPED -> List.of("-ldflags=-s -w");
                case PIE -> List.of("-buildmode=pie");
            };
        }

        public String label() {
            return name().toLowerCase();
        }
    }

    private GoFixtures() {
    }

    /** Every toolchain the machine has, each in every variant: the ground-truth tests' parameters. */
    public static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> allBuilds() {
        List<org.junit.jupiter.params.provider.Arguments> out = new ArrayList<>();
        for (GoToolchain go : GoToolchain.all()) {
            for (Variant v : Variant.values()) {
                out.add(org.junit.jupiter.params.provider.Arguments.of(go, v));
            }
        }
        return out.stream();
    }

    /**
     * Every toolchain in every variant on both machines: (toolchain, variant, machine). arm64
     * builds run under qemu-user, so the ground truth of what is read from memory holds for them.
     */
    public static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> allBuildsOnEveryMachine() {
        List<org.junit.jupiter.params.provider.Arguments> out = new ArrayList<>();
        for (Machine m : Machine.values()) {
            allBuilds().forEach(a -> out.add(org.junit.jupiter.params.provider.Arguments.of(a.get()[0], a.get()[1], m)));
        }
        return out.stream();
    }

    public static Path build(GoToolchain go, String fixture, Variant variant) {
        return build(go, fixture, variant, Machine.AMD64);
    }

    /** Builds a fixture for a machine (GOARCH); an arm64 build runs under {@link Emulator}. */
    public static synchronized Path build(GoToolchain go, String fixture, Variant variant, Machine machine) {
        Path src = Repo.root().resolve("exporter/src/test/resources/fixtures").resolve(fixture);
        // The source hash is part of the name, so an edited fixture is rebuilt.
        String arch = machine == Machine.AMD64 ? "" : "-" + machine.goarch();
        Path out = Repo.scratch("fixtures").resolve(go.version()).resolve(fixture + "-" + sourceHash(src) + "-" + variant.label() + arch);
        if (Files.isExecutable(out)) {
            return out;
        }
        Path work = out.getParent().resolve("src-" + fixture);
        copyTree(src, work);
        List<String> cmd = new ArrayList<>(go.command("build", "-o", out.toString()));
        cmd.addAll(2, variant.flags()); // after "go build"
        cmd.add(".");
        Map<String, String> env = new java.util.LinkedHashMap<>(go.env());
        env.put("GOARCH", machine.goarch());
        Command.check(cmd, env, work, Duration.ofMinutes(10));
        return out;
    }

    private static String sourceHash(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                md.update(dir.relativize(f).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                md.update(Files.readAllBytes(f));
            }
            return java.util.HexFormat.of().formatHex(md.digest()).substring(0, 8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void copyTree(Path from, Path to) {
        try (Stream<Path> files = Files.walk(from)) {
            Files.createDirectories(to);
            for (Path f : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
