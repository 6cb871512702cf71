package dev.aichatroom.web;

import dev.aichatroom.tls.TlsIdentity;
import dev.aichatroom.tls.TlsPolicy;
import java.util.Optional;

/**
 * The HTTP listener: {@code PORT} on {@code HTTP_BIND}, HTTPS when {@code tls} is present.
 *
 * @param plainRedirect with TLS: a plain {@code http://} request on the port is answered with a redirect to
 *     {@code https://}; without it, only TLS is spoken there
 * @param hstsMaxAge with TLS: {@code Strict-Transport-Security} max-age in seconds on every HTTPS response, 0 = none
 */
public record HttpConfig(String bind, int port, Optional<TlsIdentity> tls, boolean plainRedirect, long hstsMaxAge) {
    /** Plain HTTP. */
    public HttpConfig(String bind, int port) {
        this(bind, port, Optional.empty(), true, TlsPolicy.HSTS_MAX_AGE_SECONDS);
    }
}
