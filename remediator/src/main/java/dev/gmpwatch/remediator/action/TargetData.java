package dev.gmpwatch.remediator.action;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gmpwatch.remediator.core.Target;

/** A target's data as JSON of the action's own record: how the shipped actions keep it. */
public final class TargetData {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TargetData() {
    }

    public static String write(Object data) {
        try {
            return JSON.writeValueAsString(data);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write target data: " + e.getOriginalMessage(), e);
        }
    }

    /** Reads what {@link #write} wrote; the data of a target written by another version fails with its key. */
    public static <T> T read(Target target, Class<T> type) {
        try {
            return JSON.readValue(target.data(), type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored target " + target.key() + " is unreadable: " + e.getOriginalMessage(), e);
        }
    }
}
