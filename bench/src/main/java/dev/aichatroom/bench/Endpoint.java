package dev.aichatroom.bench;

import java.util.Optional;
import javax.net.ssl.TrustManagerFactory;

/**
 * Where a broker listens.
 *
 * @param tls present for a TLS listener: the certificates to trust
 */
record Endpoint(String host, int port, Optional<TrustManagerFactory> tls) {
    Endpoint(String host, int port) {
        this(host, port, Optional.empty());
    }

    @Override
    public String toString() {
        return host + ":" + port + (tls.isPresent() ? " (TLS)" : "");
    }
}
