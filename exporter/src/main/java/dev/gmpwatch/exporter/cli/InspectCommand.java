package dev.gmpwatch.exporter.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.gmpwatch.exporter.elf.ElfFormatException;
import dev.gmpwatch.exporter.gobinary.GoBinary;
import dev.gmpwatch.exporter.gobinary.GoBinaryException;
import dev.gmpwatch.exporter.gobinary.HookedFunction;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code inspect [--json] BINARY}: what gmpwatch sees in a Go binary. */
final class InspectCommand {
    private final PrintStream out;

    InspectCommand(PrintStream out) {
        this.out = out;
    }

    int run(String[] args) throws UsageException, ElfFormatException, GoBinaryException {
        boolean json = false;
        String binary = null;
        for (String a : args) {
            if (a.equals("--json")) {
                json = true;
            } else if (a.startsWith("-") && !a.equals("-")) {
                throw new UsageException("inspect: unknown flag " + a);
            } else if (binary == null) {
                binary = a;
            } else {
                throw new UsageException("inspect: takes one BINARY, got another: " + a);
            }
        }
        if (binary == null) {
            throw new UsageException("usage: inspect [--json] BINARY");
        }
        GoBinary bin = GoBinary.analyze(Path.of(binary));
        Map<String, Object> report = report(bin);
        if (json) {
            out.println(toJson(report));
        } else {
            printTable(bin, report);
        }
        return Main.EXIT_OK;
    }

    static Map<String, Object> report(GoBinary bin) throws ElfFormatException {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("path", bin.path().toString());
        r.put("goVersion", bin.goVersion());
        r.put("machine", bin.machine().goarch());
        bin.probesUnsupported().ifPresent(why -> r.put("probesUnsupported", why));
        r.put("stripped", bin.stripped());
        r.put("pie", bin.pie());
        r.put("functionSource", bin.functions().source().name().toLowerCase());
        List<Map<String, Object>> fns = new ArrayList<>();
        for (HookedFunction f : bin.hookedFunctions()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", f.name());
            m.put("address", f.address());
            m.put("fileOffset", f.fileOffset());
            m.put("probeOffset", f.probeOffset());
            m.put("probeMode", f.probeMode());
            m.put("instruction", f.instruction());
            m.put("stackCheckBranch", f.stackCheckBranch());
            if (!f.reason().isEmpty()) {
                m.put("singlestepReason", f.reason());
            }
            fns.add(m);
        }
        r.put("functions", fns);
        r.put("missingFunctions", bin.missingHookedFunctions());
        r.put("structOffsets", bin.layout().offsets());
        r.put("structOffsetsSource", bin.layout().source().name().toLowerCase());
        r.put("globals", bin.globals());
        r.put("globalsSource", bin.globalsSource());
        r.put("globalsRules", bin.globalsRules());
        r.put("globalsProblems", bin.globalsProblems());
        Map<String, String> reasons = new LinkedHashMap<>();
        List<String> texts = bin.waitReasons().texts();
        for (int i = 0; i < texts.size(); i++) {
            reasons.put(Integer.toString(i), texts.get(i));
        }
        r.put("waitReasons", reasons);
        r.put("waitReasonsSource", bin.waitReasons().source().name().toLowerCase());
        return r;
    }

    private static String toJson(Map<String, Object> report) {
        try {
            return new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render JSON", e);
        }
    }

    private void printTable(GoBinary bin, Map<String, Object> report) throws ElfFormatException {
        out.printf("binary       %s%n", bin.path());
        out.printf("go version   %s%n", bin.goVersion());
        out.printf("machine      %s%n", bin.machine().goarch());
        out.printf("stripped     %s%n", bin.stripped() ? "yes" : "no");
        out.printf("pie          %s%n", bin.pie() ? "yes" : "no");
        out.printf("functions    from %s (%d)%n", report.get("functionSource"), bin.functions().size());
        out.println();
        if (bin.probesUnsupported().isPresent()) {
            out.printf("probes       none: %s%n", bin.probesUnsupported().get());
        } else {
            printProbeSites(bin);
        }
        out.println();
        out.printf("struct offsets (from %s)%n", report.get("structOffsetsSource"));
        bin.layout().offsets().forEach((k, v) -> out.printf("  %-32s %d%n", k, v));
        bin.globals().forEach((k, v) -> out.printf("  %-32s 0x%x (address, from %s)%n", k, v,
                bin.globalsRules().containsKey(k) ? "code: " + bin.globalsRules().get(k) : bin.globalsSource()));
        bin.globalsProblems().forEach(p -> out.printf("  not recovered: %s%n", p));
        out.println();
        List<String> texts = bin.waitReasons().texts();
        out.printf("wait reasons (from %s, %d)%n", report.get("waitReasonsSource"), texts.size());
        for (int i = 0; i < texts.size(); i++) {
            out.printf("  %3d  %s%n", i, texts.get(i).isEmpty() ? "(none)" : texts.get(i));
        }
    }

    private void printProbeSites(GoBinary bin) throws ElfFormatException {
        out.printf("%-32s %-18s %-12s %-12s %-10s %-8s %s%n", "FUNCTION", "ADDRESS", "FILE OFFSET", "PROBE AT", "MODE", "INSN", "NOTE");
        for (HookedFunction f : bin.hookedFunctions()) {
            String note = f.stackCheckBranch() ? "stack-check branch: counts the not-taken pass" : f.reason();
            out.printf("%-32s 0x%-16x 0x%-10x +0x%-9x %-10s %-8s %s%n", f.name(), f.address(), f.fileOffset(),
                    f.probeOffset() - f.fileOffset(), f.probeMode(), f.instruction(), note);
        }
        if (!bin.missingHookedFunctions().isEmpty()) {
            out.printf("not in this binary (inlined or absent): %s%n", String.join(", ", bin.missingHookedFunctions()));
        }
    }
}
