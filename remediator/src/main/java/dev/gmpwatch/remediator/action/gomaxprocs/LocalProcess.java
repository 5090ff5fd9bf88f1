package dev.gmpwatch.remediator.action.gomaxprocs;

import dev.gmpwatch.remediator.action.TargetData;
import dev.gmpwatch.remediator.core.Target;
import dev.gmpwatch.remediator.core.UnsafeLabelException;
import dev.gmpwatch.remediator.policy.Template;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A process on this host, named by the exporter's pid and exe labels, as its target's data holds
 * it: where it is reached ({@code adminUrl}: its admin endpoint, or "cgroup"), and who it must
 * still be.
 */
record LocalProcess(String adminUrl, String pid, String exe) {
    static final Pattern PID = Pattern.compile("[1-9][0-9]{0,9}");
    private static final String KEY_PREFIX = "gomaxprocs:";
    private static final String PID_IN_KEY = "#pid=";

    /** The pid and exe labels, checked; {@code adminUrl} comes from the lever. */
    static LocalProcess of(String adminUrl, Map<String, String> labels) throws UnsafeLabelException {
        String pid = labels.getOrDefault("pid", "");
        if (!pid.isEmpty() && !PID.matcher(pid).matches()) {
            throw new UnsafeLabelException("label pid must be a process id");
        }
        String exe = labels.getOrDefault("exe", "");
        if (!exe.isEmpty() && !Template.SAFE_NAME.matcher(exe).matches()) {
            throw new UnsafeLabelException("label exe must match " + Template.SAFE_NAME.pattern());
        }
        return new LocalProcess(adminUrl, pid, exe);
    }

    static LocalProcess of(Target target) {
        return TargetData.read(target, LocalProcess.class);
    }

    /** The process a target key names, as schema 3 kept it (no exe). */
    static LocalProcess ofKey(String key) {
        int pidAt = key.indexOf(PID_IN_KEY);
        return new LocalProcess(key.substring(KEY_PREFIX.length(), pidAt < 0 ? key.length() : pidAt),
                pidAt < 0 ? "" : key.substring(pidAt + PID_IN_KEY.length()), "");
    }

    /** The target: its key is what earlier versions stored, so durable state carries over. */
    Target target() {
        return new Target(KEY_PREFIX + adminUrl + (pid.isEmpty() ? "" : PID_IN_KEY + pid), null, TargetData.write(this));
    }

    /** A PID from the alert must still run the executable the alert named; the refusal, if not. */
    Optional<String> identityRefusal(Path proc) {
        if (pid.isEmpty()) {
            return Optional.empty();
        }
        try {
            String running = Files.readSymbolicLink(proc.resolve(pid).resolve("exe")).getFileName().toString()
                    .replace(" (deleted)", "");
            if (!exe.isEmpty() && !running.equals(exe)) {
                return Optional.of("pid " + pid + " now runs " + running + ", not " + exe + ": refused");
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("pid " + pid + " is gone: refused");
        }
    }
}
