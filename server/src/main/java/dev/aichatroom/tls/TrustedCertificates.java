package dev.aichatroom.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
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
        List<X509Certificate> certificates = TlsIdentity.certificates(pemFile);
        if (certificates.isEmpty()) {
            throw new TlsException(pemFile, pemFile + " holds no certificate (-----BEGIN CERTIFICATE-----)");
        }
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < certificates.size(); i++) {
                store.setCertificateEntry("ca-" + i, certificates.get(i));
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            return factory;
        } catch (IOException | GeneralSecurityException e) {
            throw new TlsException(pemFile, "cannot trust the certificates of " + pemFile + ": " + e.getMessage());
        }
    }
}
