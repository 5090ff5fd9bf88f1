package dev.gmpwatch.exporter.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/** The server's SSLContext from PEM files: its certificate chain and key, and the CA for client certificates. */
final class TlsContexts {
    private TlsContexts() {
    }

    /** @throws WebConfigException naming the key whose file is unusable, and why */
    static SSLContext build(WebConfig.Tls tls) throws WebConfigException {
        Collection<? extends Certificate> chain;
        try {
            chain = certificates(tls.certFile());
        } catch (IOException | GeneralSecurityException e) {
            throw new WebConfigException("tls_server_config.cert_file: no certificate in " + tls.certFile() + ": " + e.getMessage());
        }
        if (chain.isEmpty()) {
            throw new WebConfigException("tls_server_config.cert_file: no certificate in " + tls.certFile());
        }
        PrivateKey key;
        try {
            key = privateKey(tls.keyFile());
        } catch (IOException | RuntimeException e) {
            throw new WebConfigException("tls_server_config.key_file: cannot read a key from " + tls.keyFile() + ": " + e.getMessage());
        }
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("server", key, new char[0], chain.toArray(Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, new char[0]);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), trustManagers(tls), null);
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new WebConfigException("tls_server_config: the certificate and key cannot be used together: " + e.getMessage());
        }
    }

    /** Request/RequireAny ask for a certificate without verifying it; the Verify types check it against client_ca_file. */
    private static TrustManager[] trustManagers(WebConfig.Tls tls) throws IOException, GeneralSecurityException, WebConfigException {
        if (tls.clientCaFile().isEmpty()) {
            return new TrustManager[] {new AnyClientCertificate()};
        }
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        int i = 0;
        try {
            for (Certificate c : certificates(tls.clientCaFile().get())) {
                trust.setCertificateEntry("ca" + i++, c);
            }
        } catch (GeneralSecurityException | IOException e) {
            i = 0;
        }
        if (i == 0) {
            throw new WebConfigException("tls_server_config.client_ca_file: no certificate in " + tls.clientCaFile().get());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        return tmf.getTrustManagers();
    }

    private static Collection<? extends Certificate> certificates(Path pem) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(pem)) {
            return CertificateFactory.getInstance("X.509").generateCertificates(in);
        }
    }

    /** PKCS#8 ("PRIVATE KEY"), PKCS#1 ("RSA PRIVATE KEY") or SEC1 ("EC PRIVATE KEY"), unencrypted as the toolkit reads them. */
    private static PrivateKey privateKey(Path pem) throws IOException, WebConfigException {
        try (Reader r = Files.newBufferedReader(pem); PEMParser parser = new PEMParser(r)) {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                if (o instanceof PEMKeyPair pair) {
                    return converter.getKeyPair(pair).getPrivate();
                }
                if (o instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
            }
        }
        throw new WebConfigException("tls_server_config.key_file: no unencrypted private key in " + pem);
    }

    /** Accepts any client certificate: for RequestClientCert and RequireAnyClientCert, which do not verify. */
    private static final class AnyClientCertificate implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            throw new UnsupportedOperationException("server side only");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
