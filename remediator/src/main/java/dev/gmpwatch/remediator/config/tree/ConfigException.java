package dev.gmpwatch.remediator.config.tree;

/** Invalid configuration: names the key and the reason, in one line. */
public final class ConfigException extends Exception {
    public ConfigException(String key, String reason) {
        super(key + ": " + reason);
    }
}
