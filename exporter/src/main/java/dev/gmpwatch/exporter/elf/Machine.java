package dev.gmpwatch.exporter.elf;

import java.util.Optional;

/**
 * The instruction set an executable is for, from its ELF header. It selects how a binary's code is
 * decoded, how its stacks are unwound and which relocation marks a load-relative pointer.
 */
public enum Machine {
    AMD64(62, 8),
    ARM64(183, 1027);

    private final int elfMachine;
    private final int relativeRelocation;

    Machine(int elfMachine, int relativeRelocation) {
        this.elfMachine = elfMachine;
        this.relativeRelocation = relativeRelocation;
    }

    /** GOARCH's spelling: "amd64", "arm64". */
    public String goarch() {
        return name().toLowerCase();
    }

    /** The relocation type of a pointer the loader adds the load bias to (R_X86_64_RELATIVE, R_AARCH64_RELATIVE). */
    int relativeRelocation() {
        return relativeRelocation;
    }

    static Optional<Machine> ofElf(int eMachine) {
        for (Machine m : values()) {
            if (m.elfMachine == eMachine) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    /** The machine this JVM runs on, from os.arch; empty on one gmpwatch does not know. */
    public static Optional<Machine> host() {
        return switch (System.getProperty("os.arch", "")) {
            case "amd64", "x86_64" -> Optional.of(AMD64);
            case "aarch64", "arm64" -> Optional.of(ARM64);
            default -> Optional.empty();
        };
    }
}
