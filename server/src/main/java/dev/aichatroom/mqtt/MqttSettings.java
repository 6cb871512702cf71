package dev.aichatroom.mqtt;

import java.util.Optional;
import javax.net.ssl.TrustManagerFactory;

/**
 * How the product's own connection reaches the broker.
 *
 * @param sessionExpirySeconds how long the broker keeps the service's session (and queued input) while it is down
 * @param receiveMaximum how many unacknowledged QoS 1 messages the broker may push at once; bounds the inbound queue
 * @param tls connect with TLS
 * @param trust the certificates a TLS broker may present; empty = the JVM's default trust store
 */
public record MqttSettings(
        String host,
        int port,
        String clientId,
        Optional<String> username,
        Optional<String> password,
        long sessionExpirySeconds,
        int receiveMaximum,
        boolean tls,
        Optional<TrustManagerFactory> trust) {}
