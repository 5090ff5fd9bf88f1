package dev.gmpwatch.exporter.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gmpwatch.exporter.testing.Command;
import dev.gmpwatch.exporter.testing.FixtureProcess;
import dev.gmpwatch.exporter.testing.GoFixtures;
import dev.gmpwatch.exporter.testing.GoToolchain;
import dev.gmpwatch.exporter.testing.RealBinaries;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * --web.config.file in the exporter-toolkit format: TLS with a required, verified client
 * certificate and basic auth against bcrypt hashes, scraped by a real Prometheus with its own
 * tls_config and basic_auth; every way in without the right credentials refused; invalid files
 * refused at start-up with one line naming the key.
 */
class WebConfigIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String PASSWORD = "gmpwatch-test-password";
    private static Path dir;

    @BeforeAll
    static void certificates() throws Exception {
        dir = Files.createTempDirectory("gmpwatch-tls");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
                "-subj", "/CN=gmpwatch test CA");
        Files.writeString(dir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        Files.writeString(dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
        for (String who : List.of("server", "client")) {
            openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", who + ".key", "-out", who + ".csr", "-subj", "/CN=" + who);
            openssl("x509", "-req", "-in", who + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                    "-out", who + ".crt", "-days", "2", "-extfile", who + ".ext");
        }
        // A client certificate no configured CA signed.
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "rogue.key", "-out", "rogue.crt", "-days", "2",
                "-subj", "/CN=rogue");
        for (String who : List.of("client", "rogue")) {
            openssl("pkcs12", "-export", "-in", who + ".crt", "-inkey", who + ".key", "-out", who + ".p12", "-passout", "pass:test");
        }
        Files.writeString(dir.resolve("web.yml"), "tls_server_config:\n"
                + "  cert_file: server.crt\n"
                + "  key_file: server.key\n"
                + "  client_auth_type: RequireAndVerifyClientCert\n"
                + "  client_ca_file: ca.crt\n"
                + "basic_auth_users:\n"
                + "  prometheus: '" + bcrypt(PASSWORD) + "'\n"
                + "  other: '" + bcrypt("a different password") + "'\n");
    }

    @Test
    void prometheusScrapesOverTlsWithBasicAuthAndEveryoneElseIsRefused() throws Exception {
        Path bin = GoFixtures.build(GoToolchain.newest(), "spawner", GoFixtures.Variant.NORMAL);
        try (FixtureProcess fx = FixtureProcess.start(bin);
             ExporterProcess ex = ExporterProcess.start("--pid", fx.await("ready", WAIT),
                     "--web.config.file", dir.resolve("web.yml").toString())) {
            String base = ex.baseUrl();
            assertTrue(base.startsWith("https://"), base);
            HttpClient client = client("client.p12");
            assertEquals(401, get(client, base + "/metrics", null).statusCode(), "no credentials");
            assertEquals(401, get(client, base + "/metrics", basic("prometheus", "wrong")).statusCode(), "wrong password");
            assertEquals(401, get(client, base + "/metrics", basic("other", PASSWORD)).statusCode(), "a hash of another password");
            assertEquals(401, get(client, base + "/metrics", basic("nobody", PASSWORD)).statusCode(), "unknown user");
            HttpResponse<String> ok = get(client, base + "/metrics", basic("prometheus", PASSWORD));
            assertEquals(200, ok.statusCode());
            assertTrue(ok.body().contains("gmpwatch_target_info"), ok.body());
            assertEquals(200, get(client, base + "/api/v1/goroutines/stacks?pid=" + fx.pid(), basic("prometheus", PASSWORD)).statusCode());
            assertThrows(IOException.class, () -> get(client(null), base + "/metrics", basic("prometheus", PASSWORD)),
                    "a client without a certificate");
            assertThrows(IOException.class, () -> get(client("rogue.p12"), base + "/metrics", basic("prometheus", PASSWORD)),
                    "a client certificate from another CA");
            assertThrows(IOException.class, () -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(base.replace("https://", "http://") + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString()), "plain HTTP");
            scrapedByPrometheus(base.substring("https://".length()));
        }
    }

    @Test
    void anInvalidWebConfigExits1WithOneLineNamingTheKey() throws Exception {
        Map<String, String> cases = Map.of(
                "tls_server_config:\n  cert_file: server.crt\n", "tls_server_config.key_file: required",
                "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: Sometimes\n",
                "tls_server_config.client_auth_type: 'Sometimes' is not one of",
                "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n",
                "tls_server_config.client_ca_file: required",
                "tls_server_config:\n  cert_file: missing.crt\n  key_file: server.key\n", "tls_server_config.cert_file: cannot read",
                "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: SSL3\n",
                "tls_server_config.min_version: 'SSL3' is not one of",
                "basic_auth_users:\n  prometheus: plaintext\n", "basic_auth_users.prometheus: not a bcrypt hash",
                "basic_auth_user:\n  prometheus: x\n", "basic_auth_user: unknown or unsupported key",
                "tls_server_config:\n  cert_file: ca.key\n  key_file: server.key\n", "tls_server_config.cert_file: no certificate",
                "tls_server_config:\n  cert_file: server.crt\n  key_file: ca.crt\n", "tls_server_config.key_file: no unencrypted private key",
                "tls_server_config: [\n", "cannot read it");
        int i = 0;
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Path file = dir.resolve("bad-" + i++ + ".yml");
            Files.writeString(file, c.getKey());
            Command.Result r = Command.run(List.of("java", "-jar", System.getProperty("gmpwatch.exporterJar"), "--pid", "1",
                    "--web.listen-address", "127.0.0.1:0", "--web.config.file", file.toString()), Map.of(), null, WAIT);
            assertEquals(1, r.exitCode(), c.getKey() + ": " + r.stderr());
            assertEquals(1, r.stderr().strip().lines().count(), "one line: " + r.stderr());
            assertTrue(r.stderr().startsWith("gmpwatch: --web.config.file " + file), r.stderr());
            assertTrue(r.stderr().contains(c.getValue()), c.getValue() + " in: " + r.stderr());
        }
    }

    private void scrapedByPrometheus(String target) throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Files.writeString(dir.resolve("prometheus.yml"), "global:\n  scrape_interval: 1s\n"
                + "scrape_configs:\n"
                + "  - job_name: gmpwatch\n"
                + "    scheme: https\n"
                + "    tls_config:\n"
                + "      ca_file: " + dir.resolve("ca.crt") + "\n"
                + "      cert_file: " + dir.resolve("client.crt") + "\n"
                + "      key_file: " + dir.resolve("client.key") + "\n"
                + "    basic_auth:\n"
                + "      username: prometheus\n"
                + "      password: " + PASSWORD + "\n"
                + "    static_configs:\n"
                + "      - targets: ['" + target + "']\n");
        Process prom = new ProcessBuilder(RealBinaries.prometheus().toString(), "--config.file=" + dir.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + WAIT.toNanos();
            String last = "";
            while (System.nanoTime() < deadline) {
                last = query(port, "sum(up{job=\"gmpwatch\"}) * count(gmpwatch_target_info{job=\"gmpwatch\"})");
                if (last.contains("\"value\":[") && !last.contains("\"result\":[]")) {
                    JsonNode v = new ObjectMapper().readTree(last).at("/data/result/0/value/1");
                    assertTrue(Double.parseDouble(v.asText()) >= 1, last);
                    return;
                }
                Thread.sleep(500);
            }
            throw new AssertionError("Prometheus never scraped the exporter over TLS; last answer: " + last
                    + "\n" + Files.readString(dir.resolve("prometheus.log")));
        } finally {
            prom.destroy();
            prom.waitFor();
        }
    }

    private static String query(int port, String promql) throws Exception {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8))).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return "not up: " + e.getMessage();
        }
    }

    private static HttpResponse<String> get(HttpClient client, String url, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A client that trusts our CA and presents the given PKCS#12 identity, or none. */
    private static HttpClient client(String identity) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(dir.resolve("ca.crt"))) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (identity != null) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(dir.resolve(identity))) {
                ks.load(in, "test".toCharArray());
            }
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, "test".toCharArray());
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(ctx).connectTimeout(Duration.ofSeconds(10)).build();
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static String bcrypt(String password) {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        return OpenBSDBCrypt.generate("2y", password.toCharArray(), salt, 10);
    }

    private static void openssl(String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Command.check(cmd, Map.of(), dir, WAIT);
    }
}
