package dev.gmpwatch.remediator.policy;

/**
 * A concrete thing to act on: a server of a HAProxy backend ({@code type} "haproxy"), or a
 * breaker behind two URLs ({@code type} "http"). Its key identifies the circuit.
 */
public record Target(String type, String haproxy, String backend, String server, String method, String openUrl,
                     String closeUrl) {
    public static Target haproxy(String haproxy, String backend, String server) {
        return new Target("haproxy", haproxy, backend, server, null, null, null);
    }

    public static Target http(String method, String openUrl, String closeUrl) {
        return new Target("http", "", "", "", method, openUrl, closeUrl);
    }

    /** A GOMAXPROCS target: {@code openUrl} is its admin endpoint; pid and exe (may be empty) guard against PID reuse. */
    public static Target gomaxprocs(String adminUrl, String pid, String exe) {
        return new Target("gomaxprocs", "", exe, pid, null, adminUrl, null);
    }

    public String pid() {
        return server;
    }

    public String exe() {
        return backend;
    }

    public String key() {
        return switch (type) {
            case "http" -> "http:" + openUrl;
            case "gomaxprocs" -> "gomaxprocs:" + openUrl + (server.isEmpty() ? "" : "#pid=" + server);
            default -> "haproxy:" + haproxy + "/" + backend + "/" + server;
        };
    }
}
