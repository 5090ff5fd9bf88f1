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

    public String key() {
        return type.equals("http") ? "http:" + openUrl : "haproxy:" + haproxy + "/" + backend + "/" + server;
    }
}
