package dev.gmpwatch.exporter.gobinary;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses "go1.26.5", "go1.21rc2" and the like into the minor release the tables are keyed by. */
public final class GoVersion {
    private static final Pattern RELEASE = Pattern.compile("^go1\\.(\\d+)(?:[.a-z].*)?$");

    private GoVersion() {
    }

    /** "go1.26" for "go1.26.5"; empty for development builds such as "devel go1.27-abcdef". */
    public static Optional<String> minor(String version) {
        Matcher m = RELEASE.matcher(version);
        return m.matches() ? Optional.of("go1." + m.group(1)) : Optional.empty();
    }

    public static int minorNumber(String version) {
        Matcher m = RELEASE.matcher(version);
        return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    }
}
