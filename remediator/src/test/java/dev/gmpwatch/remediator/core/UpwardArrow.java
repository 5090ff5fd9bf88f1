package dev.gmpwatch.remediator.core;

import dev.gmpwatch.remediator.engine.StateView;

/** A class that breaks the layers on purpose (the core must not know the engine), for LayersTest to catch. */
final class UpwardArrow {
    StateView view;
}
