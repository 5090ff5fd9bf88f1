package dev.gmpwatch.remediator.action.gomaxprocs;

import dev.gmpwatch.remediator.core.Target;
import dev.gmpwatch.remediator.core.UnsafeLabelException;
import dev.gmpwatch.remediator.policy.Template;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code actuator: http}: a process's GOMAXPROCS through its admin endpoint (deploy/gomaxprocs),
 * at the address the alert names, or found from the PID's own listening sockets.
 */
final class AdminEndpointLever implements StepLever {
    private static final String BY_PID = "pid-";

    /** Which label names the address, which addresses are allowed, the endpoint's path and token. */
    record Settings(String addressLabel, Pattern allowedAddresses, String path, Optional<String> token) {
    }

    private final Settings settings;
    private final Path proc;
    private final GomaxprocsClient client;
    private final AdminEndpointFinder finder;

    AdminEndpointLever(Settings settings, Path proc, GomaxprocsClient client) {
        this.settings = settings;
        this.proc = proc;
        this.client = client;
        this.finder = new AdminEndpointFinder(proc, client);
    }

    /** The admin address must be a plain name that fully matches the allowed pattern. */
    @Override
    public Target target(Map<String, String> labels) throws UnsafeLabelException {
        String pid = labels.getOrDefault("pid", "");
        String address = labels.get(settings.addressLabel());
        if (address == null && LocalProcess.PID.matcher(pid).matches()) {
            address = BY_PID + pid; // found from the PID's own listening sockets when the step runs
        } else if (address == null || !Template.SAFE_NAME.matcher(address).matches()
                || !settings.allowedAddresses().matcher(address).matches()) {
            throw new UnsafeLabelException("label " + settings.addressLabel() + " is missing or not an allowed address");
        }
        return LocalProcess.of("http://" + address + settings.path(), labels).target();
    }

    @Override
    public Optional<String> identityRefusal(Target target) {
        return LocalProcess.of(target).identityRefusal(proc);
    }

    @Override
    public GomaxprocsClient.Reading read(Target target) throws IOException {
        return client.read(url(LocalProcess.of(target)), settings.token());
    }

    @Override
    public GomaxprocsClient.Reading set(Target target, int value) throws IOException {
        return client.set(url(LocalProcess.of(target)), settings.token(), value);
    }

    @Override
    public String what() {
        return "GOMAXPROCS ";
    }

    /** The admin URL, resolved from the PID when the alert named no address. */
    private String url(LocalProcess p) throws IOException {
        if (!p.adminUrl().startsWith("http://" + BY_PID)) {
            return p.adminUrl();
        }
        return finder.find(Long.parseLong(p.pid()), settings.path(), settings.token())
                .orElseThrow(() -> new IOException("pid " + p.pid() + " serves no " + settings.path() + " on a local port"));
    }
}
