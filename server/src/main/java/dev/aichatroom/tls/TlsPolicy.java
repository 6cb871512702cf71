package dev.aichatroom.tls;

import java.util.List;

/**
 * What every TLS listener of the product (HTTPS, {@code wss://}, MQTT over TLS) accepts: TLS 1.3, and TLS 1.2 with
 * forward-secret (ECDHE) key exchange and authenticated encryption (GCM, ChaCha20-Poly1305) only. TLS 1.0/1.1, CBC
 * suites, RSA key exchange and finite-field DHE are refused. See docs/decisions/0013-tls-posture.md.
 */
public final class TlsPolicy {
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /** In order of preference: TLS 1.3's suites, then TLS 1.2's ECDHE + AEAD ones for EC and RSA certificates. */
    public static final List<String> CIPHER_SUITES = List.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    /** {@code Strict-Transport-Security} max-age by default: one year. */
    public static final long HSTS_MAX_AGE_SECONDS = 365L * 24 * 3600;

    private TlsPolicy() {}
}
