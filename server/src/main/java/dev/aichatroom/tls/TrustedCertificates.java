package dev.aichatroom.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.TrustManagerFactory;

/** The certificate authorities a TLS connection the product opens may trust, from a PEM file (e.g. a private CA). */
public final class TrustedCertificates {
    private TrustedCertificates() {}

    /**
     * Trusts every certificate in {@code pemFile} (and nothing else).
     *
     * @throws TlsException naming the file when it holds none or cannot be read
     */
    public static TrustManagerFactory fromPem(Path pemFile) {
        try {
            byte[] pem = Files.readAllBytes(pemFile);
            if (!new String(pem, StandardCharsets.US_ASCII).contains("-----BEGIN CERTIFICATE-----")) {
                throw new TlsException(pemFile, pemFile + " holds no certificate (-----BEGIN CERTIFICATE-----)");
            }
            Collection<? extends Certificate> certificates =
                    CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem));
            if (certificates.isEmpty()) {
                throw new TlsException(pemFile, pemFile + " holds no certificate (-----BEGIN CERTIFICATE-----)");
            }
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate certificate : certificates) {
                store.setCertificateEntry("ca-" + i++, certificate);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            return factory;
        } catch (IOException e) {
            throw new TlsException(pemFile, "cannot read " + pemFile + ": " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new TlsException(pemFile, pemFile + " holds a certificate that cannot be read: " + e.getMessage());
        }
    }
}
