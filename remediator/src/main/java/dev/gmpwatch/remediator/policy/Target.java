package dev.gmpwatch.remediator.policy;

/** A concrete thing to act on: one server of one HAProxy backend. Its key identifies the circuit. */
public record Target(String haproxy, String backend, String server) {
    public String key() {
        return "haproxy:" + haproxy + "/" + backend + "/" + server;
    }
}
