package dev.gmpwatch.remediator.action.gomaxprocs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Reads and sets one process's GOMAXPROCS: through its admin endpoint (found from the PID's
 * listening sockets when the alert named none), or as its cgroup's CPU quota in whole CPUs.
 */
final class GomaxprocsActuator {
    private final Path proc;
    private final GomaxprocsClient client;
    private final CgroupCpuQuota cgroups;
    private final AdminEndpointFinder finder;

    GomaxprocsActuator(Path proc, Path cgroupRoot, GomaxprocsClient client) {
        this.proc = proc;
        this.client = client;
        this.cgroups = new CgroupCpuQuota(proc, cgroupRoot);
        this.finder = new AdminEndpointFinder(proc, client);
    }

    /** Where to read and set: the admin URL, resolved from the PID when needed, or "cgroup". */
    String resolve(ProcessLever.Process p, ProcessLever.Settings s) throws IOException {
        if (s.actuator().equals("cgroup") || !p.adminUrl().startsWith("http://pid-")) {
            return p.adminUrl();
        }
        return finder.find(Long.parseLong(p.pid()), s.path(), s.token())
                .orElseThrow(() -> new IOException("pid " + p.pid() + " serves no " + s.path() + " on a local port"));
    }

    GomaxprocsClient.Reading read(String where, ProcessLever.Process p, Optional<String> token) throws IOException {
        if (!where.equals("cgroup")) {
            return client.read(where, token);
        }
        Path cg = cgroups.cgroupOf(Long.parseLong(p.pid()));
        int cpus = Runtime.getRuntime().availableProcessors();
        int quota = cgroups.quotaCpus(cg).map(q -> (int) Math.ceil(q)).orElse(cpus);
        return new GomaxprocsClient.Reading(Math.min(quota, cpus), cpus, false);
    }

    GomaxprocsClient.Reading set(String where, ProcessLever.Process p, Optional<String> token, int value) throws IOException {
        if (!where.equals("cgroup")) {
            return client.set(where, token, value);
        }
        cgroups.setQuotaCpus(cgroups.cgroupOf(Long.parseLong(p.pid())), value);
        return read(where, p, token);
    }

    /** A PID from the alert must still run the executable the alert named; the refusal, if not. */
    Optional<String> identityRefusal(ProcessLever.Process p) {
        if (p.pid().isEmpty()) {
            return Optional.empty();
        }
        try {
            String running = Files.readSymbolicLink(proc.resolve(p.pid()).resolve("exe")).getFileName().toString()
                    .replace(" (deleted)", "");
            if (!p.exe().isEmpty() && !running.equals(p.exe())) {
                return Optional.of("pid " + p.pid() + " now runs " + running + ", not " + p.exe() + ": refused");
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("pid " + p.pid() + " is gone: refused");
        }
    }
}
