package dev.gmpwatch.exporter.cli;

import dev.gmpwatch.exporter.elf.ElfFormatException;
import dev.gmpwatch.exporter.gobinary.GoBinaryException;
import dev.gmpwatch.exporter.host.Procfs;
import java.io.PrintStream;
import java.util.Arrays;

/** Entry point: {@code java -jar gmpwatch-exporter.jar COMMAND ...}. */
public final class Main {
    static final int EXIT_OK = 0;
    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;

    private static final String USAGE = String.join("\n",
            "usage: gmpwatch-exporter [COMMAND] [ARGS]",
            "",
            "commands:",
            "  run [FLAGS]               watch Go processes and serve metrics (the default command);",
            "                            flags: --pid N, --exe PATH (both repeatable), --discover,",
            "                            --discover.interval 5s, --discover.match REGEX,",
            "                            --web.listen-address " + RunCommand.DEFAULT_LISTEN + ", --web.telemetry-path /metrics,",
            "                            --web.config.file FILE (TLS and basic auth, exporter-toolkit format),",
            "                            --creators.top-k 20, --walk.max-goroutines 1000000,",
            "                            --walk.min-interval 10s, --walk.history-max-goroutines 100000",
            "                            (0: no stuck ages), --probes (the per-event mode),",
            "                            --probes.match REGEX, --probes.budget 0.02",
            "  goroutines PID [--json]   every live goroutine of a Go process, grouped by the function",
            "                            it runs, with states, wait reasons and source lines;",
            "                            --stacks: where each one blocks (stacks grouped, like",
            "                            /debug/pprof/goroutine?debug=1); --pprof FILE: the same as a",
            "                            pprof goroutine profile; caps --stacks.max-goroutines 100000,",
            "                            --stacks.max-frames 128; --since FILE (a goroutine profile saved",
            "                            earlier): which stacks grew and shrank since, with counts;",
            "                            --by label:KEY: live goroutines by the value of a pprof label",
            "  inspect [--json] BINARY   analyse a Go binary: version, hooked functions and probe sites,",
            "                            runtime struct offsets and wait reasons",
            "  processes                 list running Go processes and how gmpwatch would probe them",
            "  help                      show this text");

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs a command and returns the exit code; never throws. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length > 0 && (args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h"))) {
            out.println(USAGE);
            return EXIT_OK;
        }
        if (args.length == 0 || args[0].startsWith("--")) {
            String[] all = new String[args.length + 1];
            all[0] = "run";
            System.arraycopy(args, 0, all, 1, args.length);
            args = all;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        try {
            switch (args[0]) {
                case "run":
                    try {
                        return new RunCommand(out, err).run(rest);
                    } catch (UsageException e) {
                        err.println("gmpwatch: " + e.getMessage());
                        err.println(RunCommand.USAGE);
                        return EXIT_USAGE;
                    }
                case "inspect":
                    return new InspectCommand(out).run(rest);
                case "goroutines":
                    return new GoroutinesCommand(out, err, Procfs.HOST).run(rest);
                case "processes":
                    return new ProcessesCommand(out, Procfs.HOST).run(rest);
                default:
                    throw new UsageException("unknown command '" + args[0] + "' (try 'help')");
            }
        } catch (UsageException | ElfFormatException | GoBinaryException e) {
            err.println("gmpwatch: " + e.getMessage());
            return EXIT_USAGE;
        } catch (RuntimeException e) {
            err.println("gmpwatch: internal error: " + e);
            if (System.getenv("GMPWATCH_DEBUG") != null) {
                e.printStackTrace(err);
            }
            return EXIT_FAILURE;
        }
    }
}
