package dev.gmpwatch.remediator.webhook;

import dev.gmpwatch.remediator.config.RemediatorConfig.Auth;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

/** Checks the Authorization header against the configured bearer token or basic credentials, in constant time. */
public final class Authenticator {
    private final Auth auth;

    public Authenticator(Auth auth) {
        this.auth = auth;
    }

    public boolean allows(String header) {
        if (auth.none()) {
            return true;
        }
        if (header == null) {
            return false;
        }
        if (auth.bearerToken().isPresent()) {
            return header.startsWith("Bearer ") && same(header.substring(7).strip(), auth.bearerToken().get());
        }
        if (!header.startsWith("Basic ")) {
            return false;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return false;
        }
        // Evaluate both comparisons so the time taken does not tell which part was wrong.
        boolean user = same(decoded.substring(0, colon), auth.basicUser().orElseThrow());
        boolean pass = same(decoded.substring(colon + 1), auth.basicPassword().orElseThrow());
        return user & pass;
    }

    private static boolean same(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
