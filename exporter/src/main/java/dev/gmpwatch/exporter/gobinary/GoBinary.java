package dev.gmpwatch.exporter.gobinary;

import dev.gmpwatch.exporter.arm64.Arm64Code;
import dev.gmpwatch.exporter.code.InstructionSet;
import dev.gmpwatch.exporter.elf.ElfFile;
import dev.gmpwatch.exporter.elf.ElfFormatException;
import dev.gmpwatch.exporter.elf.Machine;
import dev.gmpwatch.exporter.x86.ProbeSite;
import dev.gmpwatch.exporter.x86.ProbeSiteSelector;
import dev.gmpwatch.exporter.x86.X86Code;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Everything the exporter needs to know about one Go executable, read from the file alone. */
public final class GoBinary {
    /** The selector reads the whole function to find branches back into the prologue; cap it. */
    private static final int MAX_FUNCTION_BYTES = 64 * 1024;

    private final ElfFile elf;
    private final InstructionSet code;
    private final String goVersion;
    private final FunctionTable functions;
    private final Pclntab pcln;
    private final long textStart;
    private final RuntimeLayout layout;
    private final Map<String, Long> globals;
    private final String globalsSource;
    private final List<String> globalsProblems;
    private final Map<String, String> globalsRules;
    private final WaitReasons waitReasons;
    private volatile StackSymbols stackSymbols;
    private final Map<Long, String> entryNames = new java.util.concurrent.ConcurrentHashMap<>();

    private GoBinary(ElfFile elf) throws GoBinaryException, ElfFormatException {
        this.elf = elf;
        this.code = switch (elf.machine()) {
            case AMD64 -> X86Code.INSTANCE;
            case ARM64 -> Arm64Code.INSTANCE;
        };
        this.goVersion = BuildInfo.goVersion(elf);
        int minor = GoVersion.minorNumber(goVersion);
        if (minor >= 0 && minor < 17) {
            throw new GoBinaryException(goVersion + " is not supported: the register ABI of Go 1.17+ is required");
        }
        this.pcln = Pclntab.read(elf);
        this.textStart = TextStart.resolve(elf, pcln);
        this.functions = FunctionTable.read(elf, pcln, textStart);
        Optional<DwarfStructs> dwarf = DwarfStructs.read(elf, RuntimeLayout.STRUCTS, RuntimeLayout.GLOBALS);
        this.layout = RuntimeLayout.resolve(dwarf, goVersion);
        Map<String, Long> known = RuntimeLayout.globals(elf, dwarf);
        if (known.size() < RuntimeLayout.GLOBALS.size() && !elf.hasSymbols()) {
            StrippedGlobals.Recovery r = StrippedGlobals.recover(elf, code, functions, layout.offsets());
            Map<String, Long> merged = new java.util.LinkedHashMap<>(r.globals());
            merged.putAll(known);
            this.globals = Map.copyOf(merged);
            this.globalsSource = "code";
            this.globalsProblems = r.problems();
            this.globalsRules = r.rules();
        } else {
            this.globals = known;
            this.globalsSource = dwarf.isPresent() ? "dwarf" : "symtab";
            this.globalsProblems = List.of();
            this.globalsRules = Map.of();
        }
        this.waitReasons = WaitReasons.resolve(elf, goVersion);
    }

    /** Opens and analyses a binary; failures carry a one-line reason that names the file. */
    public static GoBinary analyze(Path path) throws GoBinaryException, ElfFormatException {
        return analyze(ElfFile.open(path));
    }

    /** Analyses an opened ELF file (one read from memory, for tests and fuzzing). */
    public static GoBinary analyze(ElfFile elf) throws GoBinaryException, ElfFormatException {
        Path path = elf.path();
        try {
            GoBinary bin = new GoBinary(elf);
            elf.releasePages(); // the analysis touched much of the file; later lookups touch a few pages
            return bin;
        } catch (GoBinaryException e) {
            throw e.about(path);
        } catch (ElfFormatException e) {
            throw new ElfFormatException(path + ": " + e.getMessage());
        }
    }

    public Path path() {
        return elf.path();
    }

    public String goVersion() {
        return goVersion;
    }

    /** No .symtab: release builds and distribution packages. */
    public boolean stripped() {
        return !elf.hasSymbols();
    }

    /** The instruction set: it selects the code decoder and the unwinder's frame rules. */
    public Machine machine() {
        return elf.machine();
    }

    /**
     * Why per-event probes cannot be placed in this binary, or empty when they can. The probe-site
     * rules and the BPF programs' register reads are x86-64's, and only tested there.
     */
    public Optional<String> probesUnsupported() {
        return elf.machine() == Machine.AMD64 ? Optional.empty()
                : Optional.of("per-event probes are amd64-only; this is an " + elf.machine().goarch() + " binary");
    }

    public boolean pie() {
        return elf.isPie();
    }

    /** See {@link ElfFile#imageBase()}. */
    public long imageBase() {
        return elf.imageBase();
    }

    public FunctionTable functions() {
        return functions;
    }

    public RuntimeLayout layout() {
        return layout;
    }

    public Map<String, Long> globals() {
        return globals;
    }

    /** Where {@link #globals()} came from: "dwarf", "symtab", or "code" (recovered in a stripped binary). */
    public String globalsSource() {
        return globalsSource;
    }

    /** For each global recovered from code, the rule that found and confirmed it. */
    public Map<String, String> globalsRules() {
        return globalsRules;
    }

    /** Data symbols a stripped binary's code did not give up, with why. */
    public List<String> globalsProblems() {
        return globalsProblems;
    }

    public WaitReasons waitReasons() {
        return waitReasons;
    }

    /** The hooked runtime functions that this binary has, with their probe sites; none where probes are unsupported. */
    public List<HookedFunction> hookedFunctions() throws ElfFormatException {
        List<HookedFunction> out = new ArrayList<>();
        if (probesUnsupported().isPresent()) {
            return out;
        }
        for (String name : HookedFunction.NAMES) {
            Optional<GoFunction> f = functions.byName(name);
            if (f.isPresent()) {
                out.add(locate(f.get()));
            }
        }
        return out;
    }

    /**
     * The function a goroutine really runs, named as the runtime prints it. A go statement with
     * arguments or a method value starts a compiler wrapper ("pkg.caller.gowrap1" since Go 1.22,
     * "pkg.caller.funcN" with the wrapper mark before) that traces and profiles hide: this names
     * what the wrapper runs, the function it calls or, when that was inlined into it, the
     * outermost inlined function. Cached per function, since every scrape asks for every creator.
     */
    public String goroutineEntryName(GoFunction f) {
        return entryNames.computeIfAbsent(f.entry(), e -> StackSymbols.printName(resolveWrapper(f, 0)));
    }

    private String resolveWrapper(GoFunction f, int depth) {
        try {
            StackSymbols symbols = stackSymbols();
            if (depth > 2 || !(f.name().matches(".*\\.gowrap\\d+$") || symbols.isWrapper(f.entry()))) {
                return tableName(symbols, f);
            }
            ByteBuffer buf = elf.readAt(f.entry(), (int) Math.min(f.size(), 4096));
            byte[] bytes = new byte[buf.remaining()];
            buf.get(bytes);
            for (InstructionSet.Step step : code.steps(bytes)) {
                Optional<String> inlined = symbols.outermostInlined(f.entry() + step.offset());
                if (inlined.isPresent() && !inlined.get().startsWith("runtime.")) {
                    return inlined.get();
                }
                if (step.callTarget() != null) {
                    Optional<GoFunction> callee = functions.symbolize(f.entry() + step.callTarget());
                    if (callee.isPresent() && !callee.get().name().startsWith("runtime.")) {
                        return resolveWrapper(callee.get(), depth + 1);
                    }
                }
            }
            return tableName(symbols, f);
        } catch (ElfFormatException | GoBinaryException e) {
            return f.name(); // the wrapper's own name
        }
    }

    /**
     * The name in the pclntab, which the runtime prints: .symtab spells Go 1.17's
     * "main.f·dwrap·1" with dots.
     */
    private static String tableName(StackSymbols symbols, GoFunction f) throws GoBinaryException {
        return symbols.at(f.entry(), f.entry()).map(StackSymbols.CodeFrame::function).orElse(f.name());
    }

    /** "file:line" of a link-time PC, from the pclntab; empty when unknown. */
    public Optional<String> sourceLine(long pc) {
        try {
            return pcln.sourceLine(textStart, pc);
        } catch (GoBinaryException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The unwinder's view of the code; built on first use, since only stack requests need it. */
    public StackSymbols stackSymbols() throws GoBinaryException {
        StackSymbols s = stackSymbols;
        if (s == null) {
            try {
                s = new StackSymbols(elf, pcln, textStart, gofunc(), goVersion);
            } catch (ElfFormatException e) {
                throw new GoBinaryException(elf.path() + ": " + e.getMessage());
            }
            stackSymbols = s;
        }
        return s;
    }

    /** moduledata.gofunc (go:func.*), the base of funcdata offsets since Go 1.18; 0 when not found. */
    private long gofunc() throws ElfFormatException {
        for (var sym : elf.symbols()) {
            if (sym.name().equals("go:func.*") || sym.name().equals("go.func.*")) {
                return sym.value();
            }
        }
        Long offset = layout.offsets().get("runtime.moduledata.gofunc");
        Optional<Long> module = TextStart.moduledata(elf, pcln);
        return offset == null || module.isEmpty() ? 0 : elf.readPointer(module.get() + offset);
    }

    /** Hooked functions this binary does not have (inlined everywhere, or renamed). */
    public List<String> missingHookedFunctions() {
        return HookedFunction.NAMES.stream().filter(n -> functions.byName(n).isEmpty()).toList();
    }

    /** Locates one function and chooses its probe site. */
    public HookedFunction locate(GoFunction f) throws ElfFormatException {
        long fileOffset = elf.fileOffsetOf(f.entry())
                .orElseThrow(() -> new ElfFormatException(f.name() + " at 0x" + Long.toHexString(f.entry()) + " is not in a loaded segment"));
        long size = f.size() > 0 ? Math.min(f.size(), MAX_FUNCTION_BYTES) : 256;
        ByteBuffer buf = elf.readAt(f.entry(), size);
        byte[] code = new byte[buf.remaining()];
        buf.get(code);
        ProbeSite site = ProbeSiteSelector.select(code);
        String callee = HookedFunction.RESULT_OF.get(f.name());
        if (callee != null) {
            Optional<GoFunction> c = functions.byName(callee);
            Optional<ProbeSite> after = c.isEmpty() ? Optional.empty() : ProbeSiteSelector.afterCall(code, c.get().entry() - f.entry());
            site = after.orElseGet(() -> new ProbeSite(0, ProbeSite.Mode.SINGLESTEP, "(none)", false,
                    "no emulated instruction holds the result of " + callee));
        }
        return new HookedFunction(f.name(), f.entry(), fileOffset, fileOffset + site.offset(), site.mode().label(),
                site.mnemonic(), site.stackCheckBranch(), site.reason());
    }
}
