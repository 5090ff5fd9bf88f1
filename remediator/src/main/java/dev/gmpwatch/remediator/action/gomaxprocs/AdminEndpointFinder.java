package dev.gmpwatch.remediator.action.gomaxprocs;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Finds a local process's gomaxprocs admin endpoint from its PID alone: the TCP ports it listens
 * on (its socket inodes, matched in /proc/PID/net/tcp and tcp6) on loopback or any address, each
 * probed with a GET of the admin path. So alerts need only the exporter's pid and exe labels.
 */
public final class AdminEndpointFinder {
    private static final String LISTEN = "0A";

    private final Path proc;
    private final GomaxprocsClient client;

    public AdminEndpointFinder(Path proc, GomaxprocsClient client) {
        this.proc = proc;
        this.client = client;
    }

    public Optional<String> find(long pid, String path, Optional<String> token) throws IOException {
        Set<String> inodes = socketInodes(pid);
        for (int port : listeningPorts(pid, inodes)) {
            String url = "http://127.0.0.1:" + port + path;
            try {
                client.read(url, token);
                return Optional.of(url);
            } catch (IOException e) {
                // not the admin endpoint
            }
        }
        return Optional.empty();
    }

    private Set<String> socketInodes(long pid) throws IOException {
        Set<String> out = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve(pid + "/fd"))) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        out.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        }
        return out;
    }

    private List<Integer> listeningPorts(long pid, Set<String> inodes) throws IOException {
        List<Integer> ports = new ArrayList<>();
        for (String table : new String[] {"tcp", "tcp6"}) {
            Path file = proc.resolve(pid + "/net/" + table);
            if (!Files.exists(file)) {
                continue;
            }
            for (String line : Files.readAllLines(file)) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 10 || !f[3].equals(LISTEN) || !inodes.contains(f[9])) {
                    continue;
                }
                String[] local = f[1].split(":");
                if (isLoopbackOrAny(local[0])) {
                    ports.add(Integer.parseInt(local[1], 16));
                }
            }
        }
        return ports;
    }

    /** IPv4 127.x / 0.0.0.0 and IPv6 ::1 / :: / ::ffff:127.x, in /proc's little-endian hex. */
    private static boolean isLoopbackOrAny(String hex) {
        if (hex.length() == 8) {
            return hex.endsWith("7F") || hex.equals("00000000");
        }
        return hex.equals("00000000000000000000000000000000") || hex.equals("00000000000000000000000001000000")
                || (hex.startsWith("0000000000000000FFFF0000") && hex.endsWith("7F"));
    }
}
