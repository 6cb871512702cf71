package dev.aichatroom.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server's certificate chain and private key, read from the PEM files every ACME client and {@code openssl}
 * write ({@code fullchain.pem}, {@code privkey.pem}), held as an in-memory key store that HTTPS and the broker's TLS
 * listeners share.
 */
public final class TlsIdentity {
    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)-----END \\1-----", Pattern.MULTILINE);
    private static final String ALIAS = "server";

    private final KeyStore keyStore;
    private final char[] password;
    private final X509Certificate certificate;
    private final Path certificateFile;
    private final Path keyFile;

    private TlsIdentity(
            KeyStore keyStore, char[] password, X509Certificate certificate, Path certificateFile, Path keyFile) {
        this.keyStore = keyStore;
        this.password = password;
        this.certificate = certificate;
        this.certificateFile = certificateFile;
        this.keyFile = keyFile;
    }

    /** The files this identity was read from, to read again when they are renewed. */
    public List<Path> files() {
        return List.of(certificateFile, keyFile);
    }

    /** Reads the same files again (after a renewal). */
    public TlsIdentity reload() {
        return load(certificateFile, keyFile);
    }

    /**
     * Reads a certificate chain (the server's certificate first) and its private key (PKCS#8, {@code BEGIN PRIVATE
     * KEY}, RSA or EC).
     *
     * @throws TlsException naming the file and what to do about it
     */
    public static TlsIdentity load(Path certificateFile, Path keyFile) {
        List<X509Certificate> chain = certificates(certificateFile);
        if (chain.isEmpty()) {
            throw new TlsException(
                    certificateFile,
                    certificateFile + " holds no certificate (-----BEGIN CERTIFICATE-----); give the PEM"
                            + " certificate chain, e.g. fullchain.pem");
        }
        PrivateKey key = privateKey(keyFile, chain.getFirst());
        try {
            char[] password = HexFormat.of()
                    .formatHex(new SecureRandom().generateSeed(16))
                    .toCharArray();
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(ALIAS, key, password, chain.toArray(X509Certificate[]::new));
            return new TlsIdentity(store, password, chain.getFirst(), certificateFile, keyFile);
        } catch (GeneralSecurityException | IOException e) {
            throw new TlsException(
                    keyFile, keyFile + " and " + certificateFile + " cannot be used together: " + e.getMessage());
        }
    }

    /**
     * The certificates of a PEM file, in file order; empty when it holds none.
     *
     * @throws TlsException when the file cannot be read or holds a certificate that cannot be parsed
     */
    static List<X509Certificate> certificates(Path file) {
        List<X509Certificate> chain = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (Block block : blocks(file)) {
                if (block.type().equals("CERTIFICATE")) {
                    chain.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der())));
                }
            }
        } catch (CertificateException e) {
            throw new TlsException(file, file + " holds a certificate that cannot be read: " + e.getMessage());
        }
        return chain;
    }

    private static PrivateKey privateKey(Path file, X509Certificate certificate) {
        List<Block> keys = blocks(file).stream()
                .filter(b -> b.type().endsWith("PRIVATE KEY"))
                .toList();
        if (keys.isEmpty()) {
            throw new TlsException(
                    file,
                    file + " holds no private key (-----BEGIN PRIVATE KEY-----); give the PEM key of"
                            + " the certificate, e.g. privkey.pem");
        }
        Block block = keys.getFirst();
        if (!block.type().equals("PRIVATE KEY")) {
            throw new TlsException(
                    file,
                    file + " holds a '" + block.type() + "'; convert it to an unencrypted PKCS#8 key"
                            + " with: openssl pkcs8 -topk8 -nocrypt -in " + file.getFileName() + " -out key-pkcs8.pem");
        }
        String algorithm = certificate.getPublicKey().getAlgorithm();
        PrivateKey key;
        try {
            key = KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(block.der()));
        } catch (GeneralSecurityException e) {
            throw new TlsException(
                    file, file + " is not an " + algorithm + " private key like the certificate's: " + e.getMessage());
        }
        if (!matches(key, certificate)) {
            throw new TlsException(
                    file,
                    file + " is not the private key of the certificate ("
                            + certificate.getSubjectX500Principal().getName()
                            + "); give the key the certificate was made for");
        }
        return key;
    }

    /** Signs a few bytes with the key and checks them with the certificate. */
    private static boolean matches(PrivateKey key, X509Certificate certificate) {
        String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256with" + key.getAlgorithm();
        try {
            byte[] probe = "ai-chatroom".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return true; // an algorithm this check does not know: the TLS handshake will tell
        }
    }

    private record Block(String type, byte[] der) {}

    private static List<Block> blocks(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new TlsException(file, "cannot read " + file + ": " + e.getMessage());
        }
        List<Block> blocks = new ArrayList<>();
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            try {
                blocks.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
            } catch (IllegalArgumentException e) {
                throw new TlsException(file, file + " is not valid PEM: " + e.getMessage());
            }
        }
        return blocks;
    }

    /** The key store, with the key under the password of {@link #password()}. */
    public KeyStore keyStore() {
        return keyStore;
    }

    public char[] password() {
        return password.clone();
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** Whether the certificate has expired or will within {@code margin}: browsers refuse an expired one. */
    public boolean expiresWithin(Duration margin) {
        return certificate.getNotAfter().toInstant().isBefore(Instant.now().plus(margin));
    }

    /** The subject and when it expires, for the start-up log line. */
    public String describe() {
        return certificate.getSubjectX500Principal().getName() + ", valid until "
                + certificate.getNotAfter().toInstant();
    }

    /**
     * Writes the key and chain as a PKCS#12 file only its owner can read, protected by {@code filePassword}, for
     * listeners that take a path (the embedded broker's); replaced in one step, so a reader never sees half a file. The
     * caller deletes it when it stops.
     */
    public void writePkcs12(Path file, char[] filePassword) {
        Path temporary = file.resolveSibling(file.getFileName() + ".new");
        try {
            KeyStore copy = KeyStore.getInstance("PKCS12");
            copy.load(null, null);
            copy.setKeyEntry(
                    ALIAS, keyStore.getKey(ALIAS, password), filePassword, keyStore.getCertificateChain(ALIAS));
            Files.createDirectories(file.getParent());
            Files.deleteIfExists(temporary);
            try {
                Files.createFile(
                        temporary, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(temporary);
            }
            try (OutputStream out = Files.newOutputStream(temporary, StandardOpenOption.TRUNCATE_EXISTING)) {
                copy.store(out, filePassword);
            }
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | GeneralSecurityException e) {
            throw new TlsException(file, "cannot write " + file + ": " + e.getMessage());
        }
    }
}
