package dev.gmpwatch.remediator.policy;

import dev.gmpwatch.remediator.core.UnsafeLabelException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A target name built from alert labels: literal text and {@code {{ labels.NAME }}} references.
 * Every result must be a plain name ({@code [A-Za-z0-9._:-]}, at most 128 characters), so no label
 * can add a second HAProxy command, a path, a space or another URL host.
 */
public final class Template {
    public static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final Pattern REFERENCE = Pattern.compile("\\{\\{\\s*labels\\.([A-Za-z_][A-Za-z0-9_]*)\\s*}}");
    private static final Pattern SAFE_LITERAL = Pattern.compile("[A-Za-z0-9._:-]*");

    /** A part: literal text, or (when {@code label} is set) a label reference. */
    private record Part(String literal, String label) {
    }

    private final List<Part> parts;
    private final String source;

    private Template(List<Part> parts, String source) {
        this.parts = parts;
        this.source = source;
    }

    /** @throws IllegalArgumentException with a one-line reason for a malformed template */
    public static Template parse(String source) {
        List<Part> parts = new ArrayList<>();
        Matcher m = REFERENCE.matcher(source);
        int at = 0;
        while (m.find()) {
            addLiteral(parts, source.substring(at, m.start()));
            parts.add(new Part(null, m.group(1)));
            at = m.end();
        }
        addLiteral(parts, source.substring(at));
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("empty template");
        }
        return new Template(List.copyOf(parts), source);
    }

    private static void addLiteral(List<Part> parts, String text) {
        if (text.isEmpty()) {
            return;
        }
        if (text.contains("{{") || text.contains("}}")) {
            throw new IllegalArgumentException("only {{ labels.NAME }} references are allowed: '" + text + "'");
        }
        if (!SAFE_LITERAL.matcher(text).matches()) {
            throw new IllegalArgumentException("literal text may use only [A-Za-z0-9._:-]: '" + text + "'");
        }
        parts.add(new Part(text, null));
    }

    /** Fills in the labels. Throws {@link UnsafeLabelException} for a missing or unsafe value. */
    public String render(Map<String, String> labels) throws UnsafeLabelException {
        StringBuilder sb = new StringBuilder();
        for (Part p : parts) {
            if (p.label() == null) {
                sb.append(p.literal());
                continue;
            }
            String v = labels.get(p.label());
            if (v == null) {
                throw new UnsafeLabelException("label " + p.label() + " is missing");
            }
            if (!SAFE_NAME.matcher(v).matches()) {
                throw new UnsafeLabelException("label " + p.label() + " must match " + SAFE_NAME.pattern());
            }
            sb.append(v);
        }
        String out = sb.toString();
        if (!SAFE_NAME.matcher(out).matches()) {
            throw new UnsafeLabelException("'" + source + "' renders to an unsafe name");
        }
        return out;
    }

    @Override
    public String toString() {
        return source;
    }
}
