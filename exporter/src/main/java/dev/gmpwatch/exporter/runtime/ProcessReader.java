package dev.gmpwatch.exporter.runtime;

import dev.gmpwatch.exporter.gobinary.GoBinary;
import dev.gmpwatch.exporter.gobinary.GoBinaryException;
import dev.gmpwatch.exporter.gobinary.GoFunction;
import dev.gmpwatch.exporter.gobinary.GoVersion;
import dev.gmpwatch.exporter.gobinary.StackSymbols;
import dev.gmpwatch.exporter.host.Procfs;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/** Reads one live Go process's runtime state: the scheduler-wide numbers and walks of its goroutines. */
public final class ProcessReader implements AutoCloseable {
    /** Runtime functions that start user goroutines (runtime.isSystemGoroutine). */
    private static final Set<String> USER_RUNTIME_ENTRIES = Set.of("runtime.main", "runtime.corostart",
            "runtime.handleAsyncEvent");

    private final GoBinary binary;
    private final RuntimeAddresses addresses;
    private final RemoteMemory memory;
    private final SchedulerReader scheduler;
    private final GoroutineWalker walker;
    private final long pid;

    private ProcessReader(long pid, GoBinary binary, RuntimeAddresses addresses, RemoteMemory memory)
            throws SnapshotException {
        this.binary = binary;
        this.addresses = addresses;
        this.memory = memory;
        this.pid = pid;
        this.scheduler = new SchedulerReader(addresses);
        this.walker = new GoroutineWalker(addresses, pid, binary.waitReasons().texts(), this::isSystemEntry);
    }

    /** Fails with UNSUPPORTED when the binary lacks what we need, GONE or UNREADABLE for the process. */
    public static ProcessReader open(Procfs proc, long pid, GoBinary binary, long loadBias) throws SnapshotException {
        RuntimeAddresses addresses = RuntimeAddresses.of(binary, loadBias);
        RemoteMemory memory = RemoteMemory.open(proc, pid);
        try {
            return new ProcessReader(pid, binary, addresses, memory);
        } catch (SnapshotException e) {
            memory.close();
            throw e;
        }
    }

    public SchedulerState scheduler() throws SnapshotException {
        return scheduler.read(memory);
    }

    /** A reader of the run queues alone, for sampling between scrapes; used by one thread at a time. */
    public RunQueueReader runQueues() throws SnapshotException {
        return new RunQueueReader(addresses, pid, memory);
    }

    /** Walks at most {@code maxGoroutines} entries of allgs; the creators come back named. */
    public GoroutineCensus census(long maxGoroutines) throws SnapshotException {
        return walker.walk(memory, maxGoroutines).named(this::named);
    }

    /** A census that also ages waiting goroutines with {@code history}, this walk at {@code nowNanos}. */
    public GoroutineCensus census(long maxGoroutines, StuckHistory history, long nowNanos) throws SnapshotException {
        return walker.walk(memory, maxGoroutines, history, nowNanos).named(this::named);
    }

    private GoroutineCensus.CreatorCount named(GoroutineCensus.CreatorCount c) {
        if (c.startPc() == 0) {
            return c.named(OTHER, "", "");
        }
        return c.named(entryName(c.startPc()), entrySourceLine(c.startPc()), c.goPc() == 0 ? "" : sourceLine(c.goPc()));
    }

    /**
     * Reads and unwinds the stack of every live user goroutine, up to the limits, handing each to
     * {@code out} as it goes. UNSUPPORTED when the binary's layout lacks the stack fields.
     */
    public GoroutineStackReader.Stats stacks(GoroutineStackReader.Limits limits, Consumer<GoroutineStack> out)
            throws SnapshotException {
        return stacks(limits, null, out);
    }

    /** As {@link #stacks(GoroutineStackReader.Limits, Consumer)}, waits aged by the walks' stuck history (null: none). */
    public GoroutineStackReader.Stats stacks(GoroutineStackReader.Limits limits, StuckHistory history,
            Consumer<GoroutineStack> out) throws SnapshotException {
        StackSymbols symbols;
        try {
            symbols = binary.stackSymbols();
        } catch (GoBinaryException e) {
            throw new SnapshotException(SnapshotException.Kind.UNSUPPORTED, e.getMessage());
        }
        return new GoroutineStackReader(addresses, pid, binary.waitReasons().texts(), this::isSystemEntry, symbols,
                        GoVersion.minorNumber(binary.goVersion()))
                .read(memory, limits, history, out);
    }

    public long bytesRead() {
        return memory.bytesRead();
    }

    /** The function of goroutines whose entry PC is unknown. */
    public static final String OTHER = "other";

    /** The function a goroutine starting at this run-time PC runs, compiler wrappers resolved. */
    public String entryName(long startPc) {
        return function(startPc).map(binary::goroutineEntryName).orElse("unknown");
    }

    /** "file:line" of a run-time PC, or "". */
    public String sourceLine(long pc) {
        return binary.sourceLine(pc - addresses.loadBias()).orElse("");
    }

    /** "file:line" of the entry of the function a goroutine runs (the wrapper's target for go f(x)). */
    public String entrySourceLine(long startPc) {
        String name = entryName(startPc);
        return binary.functions().byName(name).flatMap(f -> binary.sourceLine(f.entry()))
                .or(() -> binary.sourceLine(startPc - addresses.loadBias())).orElse("");
    }

    private boolean isSystemEntry(long startPc) {
        return function(startPc).map(f -> f.name().startsWith("runtime.") && !USER_RUNTIME_ENTRIES.contains(f.name()))
                .orElse(false);
    }

    private Optional<GoFunction> function(long pc) {
        return binary.functions().symbolize(pc - addresses.loadBias());
    }

    @Override
    public void close() {
        memory.close();
    }
}
