package dev.gmpwatch.exporter.web;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * HTTP basic authentication against bcrypt hashes, as the exporter-toolkit does it: unknown users
 * cost a bcrypt check too (no timing difference), and verified credentials are remembered by a
 * digest so that a scrape every few seconds does not pay bcrypt each time.
 */
final class BasicAuth {
    private static final int CACHE = 1024;

    private final Map<String, String> users;
    /** A valid hash of a random password, checked for unknown users. */
    private final String decoy;
    private final Set<String> verified = Collections.newSetFromMap(new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > CACHE;
        }
    });

    BasicAuth(Map<String, String> users) {
        this.users = users;
        SecureRandom random = new SecureRandom();
        byte[] salt = new byte[16];
        random.nextBytes(salt);
        this.decoy = users.isEmpty() ? "" : OpenBSDBCrypt.generate("2y", Long.toString(random.nextLong()).toCharArray(), salt, 10);
    }

    boolean enabled() {
        return !users.isEmpty();
    }

    /** Whether an Authorization header carries the credentials of a configured user. */
    boolean allows(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(authorization.substring(6).strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return false;
        }
        String user = decoded.substring(0, colon);
        String password = decoded.substring(colon + 1);
        String hash = users.get(user);
        String key = digest(user + "\u0000" + password + "\u0000" + (hash == null ? "" : hash));
        synchronized (verified) {
            if (hash != null && verified.contains(key)) {
                return true;
            }
        }
        boolean ok;
        try {
            ok = OpenBSDBCrypt.checkPassword(hash == null ? decoy : hash, password.toCharArray()) && hash != null;
        } catch (IllegalArgumentException e) {
            ok = false;
        }
        if (ok) {
            synchronized (verified) {
                verified.add(key);
            }
        }
        return ok;
    }

    private static String digest(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
