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

    private static final String COMMANDS = String.join("\n",
            "usage: gmpwatch-exporter [COMMAND] [ARGS]",
            "",
            "commands:",
            "  run [FLAGS]                watch Go processes and serve metrics (the default command)",
            "  goroutines PID [FLAGS]     every live goroutine of a Go process by state, wait reason and creator;",
            "                             its stacks, a pprof profile, a diff against an earlier profile",
            "  inspect [--json] BINARY    analyse a Go binary: version, hooked functions and probe sites,",
            "                             runtime struct offsets and wait reasons",
            "  processes                  list running Go processes and how gmpwatch would probe them",
            "  help                       show this text; COMMAND --help shows a command's flags",
            "");

    /** The whole help: the commands, then every flag of each command from its table. */
    static String help() {
        return COMMANDS + "\n" + ExporterFlags.RUN.help() + "\n" + ExporterFlags.GOROUTINES.help();
    }

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs a command and returns the exit code; never throws. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length > 0 && (args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h"))) {
            out.print(help());
            return EXIT_OK;
        }
        if (args.length > 1 && (args[1].equals("--help") || args[1].equals("-h"))) {
            switch (args[0]) {
                case "run" -> out.print(ExporterFlags.RUN.help());
                case "goroutines" -> out.print(ExporterFlags.GOROUTINES.help());
                default -> out.print(help());
            }
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
                        err.println(ExporterFlags.RUN.usage());
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
