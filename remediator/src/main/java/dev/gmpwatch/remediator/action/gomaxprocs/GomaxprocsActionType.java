package dev.gmpwatch.remediator.action.gomaxprocs;

import dev.gmpwatch.remediator.action.ActionType;
import dev.gmpwatch.remediator.action.LegacyState;
import dev.gmpwatch.remediator.config.tree.ConfigException;
import dev.gmpwatch.remediator.config.tree.ConfigNode;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * {@code type: gomaxprocs}: one step of GOMAXPROCS down (an idle alert) or up (a saturated alert)
 * through the service's admin endpoint (deploy/gomaxprocs) or its cgroup CPU quota.
 */
public final class GomaxprocsActionType implements ActionType {
    private static final Path PROC = Path.of("/proc");
    private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");

    private final GomaxprocsClient client = new GomaxprocsClient();

    @Override
    public String name() {
        return "gomaxprocs";
    }

    /** Schema 3's gomaxprocs_targets row: the key names the process; the step guards were columns. */
    @Override
    public Optional<LegacyState> legacyState() {
        return Optional.of((key, row) -> {
            Long value = LegacyState.number(row, "last_value");
            Long frozen = LegacyState.number(row, "frozen");
            GomaxprocsState state = new GomaxprocsState(value == null ? null : value.intValue(), LegacyState.number(row, "last_set_at"),
                    LegacyState.text(row, "last_direction"), null, null, frozen != null && frozen != 0,
                    LegacyState.text(row, "active_down"), LegacyState.text(row, "active_up"), null);
            return new LegacyState.Migrated(null, LocalProcess.ofKey(key).target().data(), state.json());
        });
    }

    @Override
    public Factory load(ConfigNode section) {
        return this::create;
    }

    private GomaxprocsAction create(ConfigNode a, ConfigNode caps) throws ConfigException {
        a.onlyKeys(Set.of("type", "direction", "actuator", "addressLabel", "allowedAddresses", "path", "tokenFile",
                "min", "max", "minInterval", "flipGuard"));
        caps.onlyKeys(Set.of());
        String actuator = a.oneOf("actuator", "http", Set.of("http", "cgroup"), "must be http or cgroup");
        String direction = a.oneOf("direction", "", Set.of("down", "up"), "must be down or up");
        String path = a.text("path", "/debug/gomaxprocs");
        if (!path.matches("(/[A-Za-z0-9._-]+)+")) {
            throw a.error("path", "must be a plain absolute path");
        }
        int min = a.has("min") ? a.positiveInt("min", 1) : 0;
        int max = a.has("max") ? a.positiveInt("max", 1) : 0;
        if (min > 0 && max > 0 && min > max) {
            throw a.error("min", "is above max");
        }
        ConfigNode flip = a.child("flipGuard").onlyKeys(Set.of("maxFlips", "within"));
        GomaxprocsAction.Settings guards = new GomaxprocsAction.Settings(direction, min, max, a.duration("minInterval", "30s"),
                flip.positiveInt("maxFlips", 3), flip.duration("within", "10m"));
        StepLever lever = actuator.equals("cgroup") ? new CgroupQuotaLever(PROC, CGROUP_ROOT)
                : new AdminEndpointLever(new AdminEndpointLever.Settings(a.text("addressLabel", "admin_address"),
                        a.pattern("allowedAddresses", "127\\.0\\.0\\.1:[0-9]{1,5}"), path, a.optionalSecret("tokenFile")), PROC, client);
        return new GomaxprocsAction(name(), guards, lever);
    }
}
