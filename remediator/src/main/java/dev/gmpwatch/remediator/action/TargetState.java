package dev.gmpwatch.remediator.action;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;

/**
 * The shared store, seen from one target inside one transaction: the action's own state (text
 * only it reads), counts over its group, and timestamped events. Every replica decides against
 * the same rows, so a guard written with these holds across replicas.
 */
public interface TargetState {
    /** The injected clock's time, in milliseconds. */
    long now();

    Optional<String> read() throws SQLException;

    void write(String state) throws SQLException;

    /** Targets open now in the target's group (circuits decided open, applied or not). */
    int openInGroup() throws SQLException;

    /** Records an event of this kind for the target now; returns how many it had within the window. */
    int recordEvent(String kind, Duration window) throws SQLException;
}
