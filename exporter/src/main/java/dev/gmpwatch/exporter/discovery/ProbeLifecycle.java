package dev.gmpwatch.exporter.discovery;

import dev.gmpwatch.exporter.gobinary.GoBinary;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * The per-event mode's side of discovery: attaching a served process's probes, adopting the
 * processes of --exe binaries that registered themselves, detaching those over the budget, and
 * detaching a process that is gone. Without --probes it is {@link #OFF}, which attaches nothing.
 */
interface ProbeLifecycle {
    ProbeLifecycle OFF = new ProbeLifecycle() {
        @Override
        public String attach(long pid, Path exeLink, String exePath, String exeName, GoBinary binary) {
            return Target.PROBES_OFF;
        }

        @Override
        public Map<Long, String> adoptSelfRegistered() {
            return Map.of();
        }

        @Override
        public Set<Long> detachOverBudget() {
            return Set.of();
        }

        @Override
        public Set<Long> watched() {
            return Set.of();
        }

        @Override
        public void gone(long pid) {
            System.getLogger("gmpwatch.discovery").log(System.Logger.Level.INFO, "pid " + pid + " is gone");
        }

        @Override
        public long attachErrors() {
            return 0;
        }
    };

    /** Attaches the probes of a process about to be served; its probe mode (off, failed, ...). */
    String attach(long pid, Path exeLink, String exePath, String exeName, GoBinary binary);

    /** Processes of --exe binaries whose probes took a slot themselves since the last call, with their probe mode. */
    Map<Long, String> adoptSelfRegistered();

    /** Detaches the probes of every process that costs more than the budget; the pids detached. */
    Set<Long> detachOverBudget();

    /** Every process with probes, served or not yet (a self-registered one). */
    Set<Long> watched();

    /** The process is gone: its probes are detached; logged either way. */
    void gone(long pid);

    /** Processes whose probes could not be attached, so far. */
    long attachErrors();
}
