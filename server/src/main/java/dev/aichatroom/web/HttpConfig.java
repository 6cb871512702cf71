package dev.aichatroom.web;

import dev.aichatroom.tls.TlsIdentity;
import java.util.Optional;

/** The HTTP listener: {@code PORT} on {@code HTTP_BIND}, HTTPS when {@code tls} is present. */
public record HttpConfig(String bind, int port, Optional<TlsIdentity> tls) {
    /** Plain HTTP. */
    public HttpConfig(String bind, int port) {
        this(bind, port, Optional.empty());
    }
}
