package dev.gmpwatch.remediator.policy;

import dev.gmpwatch.remediator.core.UnsafeLabelException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A URL with {@code {{ labels.NAME }}} references in its path or query only. The scheme, host
 * and port are fixed at startup; label values must be plain names and are URL-encoded, so a
 * label can never change where the request goes.
 */
public final class UrlTemplate {
    private static final Pattern REFERENCE = Pattern.compile("\\{\\{\\s*labels\\.([A-Za-z_][A-Za-z0-9_]*)\\s*}}");

    private final String source;
    private final String origin;

    private UrlTemplate(String source, String origin) {
        this.source = source;
        this.origin = origin;
    }

    /** @throws IllegalArgumentException with a one-line reason */
    public static UrlTemplate parse(String source) {
        Matcher first = REFERENCE.matcher(source);
        int cut = first.find() ? first.start() : source.length();
        String fixed = source.substring(0, cut);
        URI uri;
        try {
            uri = new URI(REFERENCE.matcher(source).replaceAll("x"));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: " + e.getReason());
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
            throw new IllegalArgumentException("must be an http or https URL");
        }
        if (uri.getHost() == null || uri.getUserInfo() != null) {
            throw new IllegalArgumentException("needs a host and no user info");
        }
        String origin = uri.getScheme() + "://" + uri.getRawAuthority() + "/";
        if (!fixed.startsWith(origin) && !fixed.equals(origin.substring(0, origin.length() - 1))) {
            throw new IllegalArgumentException("labels may appear only in the path or query, after " + origin);
        }
        return new UrlTemplate(source, origin);
    }

    public String render(Map<String, String> labels) throws UnsafeLabelException {
        Matcher m = REFERENCE.matcher(source);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String v = labels.get(m.group(1));
            if (v == null) {
                throw new UnsafeLabelException("label " + m.group(1) + " is missing");
            }
            if (!Template.SAFE_NAME.matcher(v).matches()) {
                throw new UnsafeLabelException("label " + m.group(1) + " must match " + Template.SAFE_NAME.pattern());
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        }
        m.appendTail(sb);
        String url = sb.toString();
        if (!url.startsWith(origin)) {
            throw new UnsafeLabelException("the rendered URL left " + origin);
        }
        return url;
    }
}
