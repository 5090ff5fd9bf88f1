package dev.gmpwatch.exporter.elf;

import dev.gmpwatch.exporter.gobinary.GoVersion;

/** A class that breaks the layers on purpose (elf must not know Go), for LayersTest to catch. */
final class UpwardArrow {
    GoVersion version;
}
