package dev.gmpwatch.exporter.gobinary;

import dev.gmpwatch.exporter.testing.Command;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoToolchain;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the Go toolchains themselves say about a binary: version, and function entry addresses. */
final class GroundTruth {
    private static final Pattern OBJDUMP_ADDRESS = Pattern.compile("\\s0x([0-9a-f]+)\\s");
    private static final Pattern NM_LINE = Pattern.compile("^\\s*([0-9a-f]+)\\s+([0-9]+\\s+)?[Tt]\\s+(\\S+)$");

    private GroundTruth() {
    }

    /** {@code go version BINARY}, e.g. "go1.19.8"; null when go cannot read it. */
    static String goVersion(Path binary) {
        GoToolchain go = GoToolchain.newest();
        Command.Result r = Command.run(go.command("version", binary.toString()), go.env(), null, Duration.ofMinutes(1));
        if (r.exitCode() != 0) {
            return null;
        }
        String out = r.stdout().strip();
        return out.substring(out.lastIndexOf(' ') + 1);
    }

    /** {@code go tool nm}: text symbol -> address, for binaries with .symtab. */
    static Map<String, Long> nm(Path binary) {
        GoToolchain go = GoToolchain.newest();
        String out = Command.check(go.command("tool", "nm", binary.toString()), go.env(), null, Duration.ofMinutes(2));
        Map<String, Long> m = new HashMap<>();
        for (String line : out.split("\n")) {
            Matcher x = NM_LINE.matcher(line);
            if (x.matches()) {
                m.putIfAbsent(x.group(3), Long.parseLong(x.group(1), 16));
            }
        }
        return m;
    }

    /** {@code go tool objdump -s}: the first instruction address under each TEXT header. */
    static Map<String, Long> goObjdumpEntries(GoToolchain go, Path binary, List<String> names) {
        String regex = "^(" + String.join("|", names.stream().map(n -> n.replace(".", "\\.")).toList()) + ")$";
        String out = Command.check(go.command("tool", "objdump", "-s", regex, binary.toString()), go.env(), null,
                Duration.ofMinutes(2));
        Map<String, Long> m = new HashMap<>();
        String current = null;
        for (String line : out.split("\n")) {
            if (line.startsWith("TEXT ")) {
                current = line.substring(5, line.indexOf("(SB)"));
            } else if (current != null) {
                Matcher x = OBJDUMP_ADDRESS.matcher(line);
                if (x.find()) {
                    m.put(current, Long.parseLong(x.group(1), 16));
                    current = null;
                }
            }
        }
        return m;
    }

    /** One function as Go's debug/gosym sees it. */
    record GosymFunc(long entry, String sourceLine) {
    }

    /** Go's debug/gosym, built with the given toolchain: function -> entry and file:line, from .gopclntab. */
    static Map<String, GosymFunc> gosym(GoToolchain go, Path binary) {
        Path tool = GoFixtures.build(go, "gosymdump", GoFixtures.Variant.NORMAL);
        String out = Command.check(List.of(tool.toString(), binary.toString()), Map.of(), null, Duration.ofMinutes(2));
        Map<String, GosymFunc> m = new HashMap<>();
        for (String line : out.split("\n")) {
            String[] f = line.split(" ", 3);
            if (f.length == 3) {
                m.putIfAbsent(f[1], new GosymFunc(Long.parseLong(f[0], 16), f[2]));
            }
        }
        if (m.isEmpty()) {
            throw new AssertionError("gosymdump found no functions in " + binary);
        }
        return m;
    }
}
