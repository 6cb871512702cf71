package dev.aichatroom.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aichatroom.testing.Processes;
import dev.aichatroom.testing.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsIdentityTest {
    @TempDir
    Path dir;

    @Test
    void reads_the_pem_files_openssl_writes_for_ec_and_rsa_keys() throws Exception {
        for (String algorithm : List.of("ec", "rsa")) {
            TestCertificates pem = TestCertificates.make(dir, algorithm, "chat.example.com", "127.0.0.1");
            TlsIdentity identity = TlsIdentity.load(pem.certificate(), pem.key());

            assertThat(identity.describe()).contains("CN=chat.example.com", "valid until");
            assertThat(identity.expiresWithin(Duration.ofHours(1))).isFalse();
            assertThat(identity.expiresWithin(Duration.ofDays(2))).isTrue();
            assertThat(identity.keyStore().isKeyEntry("server")).isTrue();
            assertThat(identity.keyStore().getKey("server", identity.password()).getAlgorithm())
                    .isEqualTo(algorithm.toUpperCase());
        }
    }

    @Test
    void a_chain_keeps_the_servers_certificate_first() throws Exception {
        TestCertificates ca = TestCertificates.make(Files.createDirectories(dir.resolve("ca")), "rsa", "test-ca");
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Processes.run(List.of(
                "openssl",
                "req",
                "-x509",
                "-nodes",
                "-days",
                "1",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-subj",
                "/CN=chat.example.com",
                "-CA",
                ca.certificate().toString(),
                "-CAkey",
                ca.key().toString(),
                "-keyout",
                key.toString(),
                "-out",
                cert.toString()));
        Path chain = dir.resolve("fullchain.pem");
        Files.writeString(chain, Files.readString(cert) + Files.readString(ca.certificate()));

        TlsIdentity identity = TlsIdentity.load(chain, key);

        assertThat(identity.keyStore().getCertificateChain("server")).hasSize(2);
        assertThat(identity.certificate().getSubjectX500Principal().getName()).isEqualTo("CN=chat.example.com");
    }

    @Test
    void the_pkcs12_copy_is_readable_by_its_owner_alone_and_opens_with_its_own_password() throws Exception {
        TestCertificates pem = TestCertificates.make(dir, "ec", "localhost");
        TlsIdentity identity = TlsIdentity.load(pem.certificate(), pem.key());
        Path file = dir.resolve("broker/tls/server.p12");

        char[] filePassword = "file-password".toCharArray();
        identity.writePkcs12(file, filePassword);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        KeyStore copy = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(file)) {
            copy.load(in, filePassword);
        }
        assertThat(copy.isKeyEntry("server")).isTrue();
    }

    @Test
    void files_that_cannot_serve_say_which_and_what_to_do() throws Exception {
        TestCertificates ec = TestCertificates.make(dir, "ec", "localhost");
        TestCertificates rsa = TestCertificates.make(dir, "rsa", "localhost");

        assertThatThrownBy(() -> TlsIdentity.load(dir.resolve("missing.pem"), ec.key()))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining("cannot read")
                .satisfies(e -> assertThat(((TlsException) e).file()).isEqualTo(dir.resolve("missing.pem")));
        assertThatThrownBy(() -> TlsIdentity.load(ec.key(), ec.key())).hasMessageContaining("holds no certificate");
        assertThatThrownBy(() -> TlsIdentity.load(ec.certificate(), ec.certificate()))
                .hasMessageContaining("holds no private key");
        assertThatThrownBy(() -> TlsIdentity.load(ec.certificate(), rsa.key()))
                .hasMessageContaining("not an EC private key");
        Path elsewhere = Files.createDirectories(dir.resolve("other"));
        TestCertificates otherEc = TestCertificates.make(elsewhere, "ec", "other");
        assertThatThrownBy(() -> TlsIdentity.load(ec.certificate(), otherEc.key()))
                .hasMessageContaining("is not the private key of the certificate (CN=localhost)")
                .satisfies(e -> assertThat(((TlsException) e).file()).isEqualTo(otherEc.key()));

        Path traditional = dir.resolve("rsa-traditional.pem");
        Processes.run(List.of(
                "openssl", "pkey", "-in", rsa.key().toString(), "-traditional", "-out", traditional.toString()));
        assertThatThrownBy(() -> TlsIdentity.load(rsa.certificate(), traditional))
                .hasMessageContaining("'RSA PRIVATE KEY'")
                .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
    }
}
