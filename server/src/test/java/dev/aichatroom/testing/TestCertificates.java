package dev.aichatroom.testing;

import dev.aichatroom.tls.TrustedCertificates;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Self-signed certificates made by {@code openssl} (as an operator would), and the trust that goes with them.
 *
 * @param certificate PEM certificate
 * @param key PEM private key, PKCS#8
 */
public record TestCertificates(Path certificate, Path key) {
    /**
     * A one-day certificate for {@code names} (DNS names or IP addresses) in {@code dir}.
     *
     * @param algorithm {@code ec} or {@code rsa}
     */
    public static TestCertificates make(Path dir, String algorithm, String... names) {
        Path cert = dir.resolve(algorithm + "-cert.pem");
        Path key = dir.resolve(algorithm + "-key.pem");
        StringBuilder san = new StringBuilder();
        for (String name : names) {
            san.append(san.isEmpty() ? "" : ",")
                    .append(name.matches("[0-9.]+|.*:.*") ? "IP:" : "DNS:")
                    .append(name);
        }
        List<String> keyOptions = algorithm.equals("ec")
                ? List.of("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256")
                : List.of("-newkey", "rsa:2048");
        var command = new java.util.ArrayList<>(List.of("openssl", "req", "-x509", "-nodes", "-days", "1"));
        command.addAll(keyOptions);
        command.addAll(List.of(
                "-subj",
                "/CN=" + names[0],
                "-addext",
                "subjectAltName=" + san,
                "-keyout",
                key.toString(),
                "-out",
                cert.toString()));
        Processes.run(command);
        return new TestCertificates(cert, key);
    }

    /** An SSL context that trusts this certificate alone. */
    public SSLContext trust() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trustManagers().getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public TrustManagerFactory trustManagers() {
        return TrustedCertificates.fromPem(certificate);
    }
}
