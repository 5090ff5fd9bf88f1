package dev.gmpwatch.remediator.action.haproxy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** A HAProxy runtime API: a unix socket or host:port, named under the {@code haproxy:} section. */
public record HaproxyEndpoint(String name, Optional<Path> socket, Optional<String> host, int port, Duration timeout) {
}
