package dev.gmpwatch.remediator.action.gomaxprocs;

import dev.gmpwatch.remediator.core.Target;
import dev.gmpwatch.remediator.core.UnsafeLabelException;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/**
 * What a GOMAXPROCS step moves: a process's admin endpoint, its cgroup quota, or a pod
 * container's CPU limit. {@link GomaxprocsAction} owns the guards (bounds, minimum interval,
 * flip guard, freeze, reconcile after a crash); a lever only names, reads and sets its target.
 */
public interface StepLever {
    /** The target for an alert's (untrusted) labels. */
    Target target(Map<String, String> labels) throws UnsafeLabelException;

    /** Why the target must not be touched any more (a reused PID, a replaced pod), if so. */
    Optional<String> identityRefusal(Target target) throws IOException;

    /**
     * The current value and the bound it may reach. An IOException means "unreachable, retry"; a
     * LeverException ends the step with its outcome.
     */
    GomaxprocsClient.Reading read(Target target) throws IOException, LeverException;

    /** Sets the value and reads it back. */
    GomaxprocsClient.Reading set(Target target, int value) throws IOException, LeverException;

    /** What the audit calls the value: "GOMAXPROCS ", "CPU quota ", "CPU limit ". */
    String what();
}
