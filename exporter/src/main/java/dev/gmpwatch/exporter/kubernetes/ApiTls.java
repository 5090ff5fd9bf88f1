package dev.gmpwatch.exporter.kubernetes;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/** The client's TLS: the cluster's CA (or the JDK's roots), and a client certificate when the kubeconfig has one. */
final class ApiTls {
    private ApiTls() {
    }

    /**
     * @param caPem    the CA bundle; null for the JDK's default roots
     * @param certPem  the client certificate chain, or null
     * @param keyPem   its private key (PKCS#1 or PKCS#8), or null
     * @param insecure trust any server certificate (kubeconfig's insecure-skip-tls-verify)
     */
    static SSLContext context(byte[] caPem, byte[] certPem, byte[] keyPem, boolean insecure) throws KubernetesException {
        try {
            TrustManager[] trust = insecure ? new TrustManager[] {new TrustAnything()} : caPem == null ? null : trustOnly(caPem);
            KeyManagerFactory keys = null;
            if (certPem != null) {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setKeyEntry("client", privateKey(keyPem), new char[0], certificates(certPem).toArray(Certificate[]::new));
                keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keys.init(ks, new char[0]);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(keys == null ? null : keys.getKeyManagers(), trust, null);
            return ctx;
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new KubernetesException("unusable TLS material for the Kubernetes API: " + e.getMessage());
        }
    }

    private static TrustManager[] trustOnly(byte[] caPem) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        int i = 0;
        for (Certificate c : certificates(caPem)) {
            ks.setCertificateEntry("ca-" + i++, c);
        }
        if (i == 0) {
            throw new GeneralSecurityException("no certificate in the CA bundle");
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        return tmf.getTrustManagers();
    }

    private static java.util.Collection<? extends Certificate> certificates(byte[] pem) throws GeneralSecurityException {
        return CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem));
    }

    private static PrivateKey privateKey(byte[] pem) throws IOException {
        try (PEMParser parser = new PEMParser(new InputStreamReader(new ByteArrayInputStream(pem), StandardCharsets.US_ASCII))) {
            Object o = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (o instanceof PEMKeyPair pair) {
                return converter.getKeyPair(pair).getPrivate();
            }
            if (o instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            throw new IOException("no private key in the client key");
        }
    }

    /** insecure-skip-tls-verify: accepts any server, as kubectl does with that setting. */
    private static final class TrustAnything extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
