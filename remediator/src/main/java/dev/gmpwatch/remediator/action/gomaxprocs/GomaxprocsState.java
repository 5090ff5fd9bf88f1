package dev.gmpwatch.remediator.action.gomaxprocs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * What the store keeps for one GOMAXPROCS target: the last step (reserved when admitted, so
 * every replica sees it), the one before it (to release a step that did not happen), the active
 * alert of each direction, the freeze, and the step in flight (to reconcile after a crash).
 */
record GomaxprocsState(Integer lastValue, Long lastSetAt, String lastDirection, Long previousSetAt, String previousDirection,
                       boolean frozen, String activeDown, String activeUp, Step inFlight) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A step being made by an intent: from and to, so a rerun can tell whether it happened. */
    record Step(long intent, int from, int to) {
    }

    static GomaxprocsState fresh() {
        return new GomaxprocsState(null, null, null, null, null, false, null, null, null);
    }

    static GomaxprocsState parse(Optional<String> text) {
        try {
            return text.isEmpty() ? fresh() : JSON.readValue(text.get(), GomaxprocsState.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored GOMAXPROCS state is unreadable: " + e.getOriginalMessage());
        }
    }

    String json() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    String active(String direction) {
        return direction.equals("down") ? activeDown : activeUp;
    }

    GomaxprocsState withActive(String direction, String fingerprint) {
        return direction.equals("down")
                ? new GomaxprocsState(lastValue, lastSetAt, lastDirection, previousSetAt, previousDirection, frozen, fingerprint, activeUp, inFlight)
                : new GomaxprocsState(lastValue, lastSetAt, lastDirection, previousSetAt, previousDirection, frozen, activeDown, fingerprint, inFlight);
    }

    GomaxprocsState frozenNow() {
        return new GomaxprocsState(lastValue, lastSetAt, lastDirection, previousSetAt, previousDirection, true, activeDown, activeUp, inFlight);
    }

    /** Admitted: the step counts from now for the minimum interval and the flip guard. */
    GomaxprocsState reserved(long at, String direction) {
        return new GomaxprocsState(lastValue, at, direction, lastSetAt, lastDirection, frozen, activeDown, activeUp, inFlight);
    }

    /** The admitted step did not happen: the interval counts from the step before. */
    GomaxprocsState released() {
        return new GomaxprocsState(lastValue, previousSetAt, previousDirection, null, null, frozen, activeDown, activeUp, null);
    }

    GomaxprocsState stepping(Step step) {
        return new GomaxprocsState(lastValue, lastSetAt, lastDirection, previousSetAt, previousDirection, frozen, activeDown, activeUp, step);
    }

    GomaxprocsState stepped(int value) {
        return new GomaxprocsState(value, lastSetAt, lastDirection, null, null, frozen, activeDown, activeUp, null);
    }
}
