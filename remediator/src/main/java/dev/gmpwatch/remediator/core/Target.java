package dev.gmpwatch.remediator.core;

/**
 * A concrete thing an action changes, as the engine and the store see it: {@code key} identifies
 * it (state, rate limits, audit), {@code group} is what its caps count within (a HAProxy backend;
 * null when none), and {@code data} is the action's own description, which only the action reads.
 */
public record Target(String key, String group, String data) {
}
