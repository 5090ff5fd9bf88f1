package dev.gmpwatch.remediator.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** A throwaway PostgreSQL (Debian's package) on loopback, run as the postgres user. */
public final class PostgresServer implements AutoCloseable {
    private final int port;
    private final Path dir;
    private Process process;

    private PostgresServer(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    public static PostgresServer start() throws Exception {
        Path bin = binDir();
        Path dir = Files.createTempDirectory("gmpwatch-pg");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path data = Files.createDirectory(dir.resolve("data"));
        UserPrincipal postgres = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
        Files.setOwner(data, postgres);
        run(List.of("runuser", "-u", "postgres", "--", bin.resolve("initdb").toString(), "-D", data.toString(),
                "--auth=trust", "-U", "postgres", "--no-sync"), dir.resolve("initdb.log"));
        int port = Ports.free();
        return new PostgresServer(launch(bin, dir, port), port, dir);
    }

    private static Process launch(Path bin, Path dir, int port) throws Exception {
        Path data = dir.resolve("data");
        Process p = new ProcessBuilder("runuser", "-u", "postgres", "--", bin.resolve("postgres").toString(), "-D", data.toString(),
                "-k", data.toString(), "-c", "listen_addresses=127.0.0.1", "-p", Integer.toString(port), "-c", "fsync=off")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("postgres.log").toFile()))
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (new ProcessBuilder(bin.resolve("pg_isready").toString(), "-h", "127.0.0.1", "-p", Integer.toString(port))
                .start().waitFor() != 0) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new AssertionError("PostgreSQL did not start:\n" + Files.readString(dir.resolve("postgres.log")));
            }
            Thread.sleep(100);
        }
        return p;
    }

    /** Stops the server (fast shutdown): connections are refused until {@link #restart()}. */
    public void stop() throws Exception {
        // SIGINT is the fast shutdown; SIGTERM's smart shutdown would wait for the clients to leave.
        new ProcessBuilder("pkill", "-INT", "-f", "bin/postgres -D " + dir.resolve("data")).start().waitFor();
        Path pid = dir.resolve("data/postmaster.pid");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (process.isAlive() || Files.exists(pid)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("PostgreSQL did not stop within 20 s");
            }
            Thread.sleep(50);
        }
    }

    /** Starts it again on the same data and port. */
    public void restart() throws Exception {
        process = launch(binDir(), dir, port);
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
    }

    private static Path binDir() throws IOException {
        Path base = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(base)) {
            throw new AssertionError("PostgreSQL is missing (/usr/lib/postgresql); run scripts/setup.sh");
        }
        try (Stream<Path> versions = Files.list(base)) {
            return versions.sorted().reduce((a, b) -> b).orElseThrow(() -> new AssertionError("no PostgreSQL version installed"))
                    .resolve("bin");
        }
    }

    private static void run(List<String> cmd, Path log) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed:\n" + Files.readString(log));
        }
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor();
    }
}
