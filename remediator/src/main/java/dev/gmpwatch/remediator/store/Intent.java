package dev.gmpwatch.remediator.store;

import dev.gmpwatch.remediator.core.Operation;

/** A queued side effect on a target, with how often it could not reach it. */
public record Intent(long id, String target, Operation op, String policy, String fingerprint, String labels, int attempts) {
}
