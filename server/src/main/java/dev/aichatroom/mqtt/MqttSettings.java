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
 * @param keepAliveSeconds the MQTT keep-alive: a connection silent for 1.5 times this is taken as lost (by the broker)
 *     and one whose PINGREQ goes unanswered is dropped and opened again (by the client)
 * @param outputQos the QoS of {@link MqttConnection#publishOnce} (1 or 2, or {@link #OUTPUT_QOS_AUTO}): 2 makes the hop
 *     to the broker exactly once, so that an output whose acknowledgement was lost with the connection is not routed
 *     twice (docs/decisions/0022-outputs-at-qos-2.md, 0027)
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
        Optional<TrustManagerFactory> trust,
        int keepAliveSeconds,
        int outputQos) {
    /** MQTT_KEEP_ALIVE's default, the HiveMQ client's own. */
    public static final int DEFAULT_KEEP_ALIVE = 60;

    /** MQTT_OUTPUT_QOS=auto (the default): chosen from the broker's version at start ({@link OutputQos}). */
    public static final int OUTPUT_QOS_AUTO = 0;

    public MqttSettings {
        if (outputQos < OUTPUT_QOS_AUTO || outputQos > 2) {
            throw new IllegalArgumentException("output QoS must be auto, 1 or 2: " + outputQos);
        }
    }

    public MqttSettings(
            String host,
            int port,
            String clientId,
            Optional<String> username,
            Optional<String> password,
            long sessionExpirySeconds,
            int receiveMaximum,
            boolean tls,
            Optional<TrustManagerFactory> trust) {
        this(
                host,
                port,
                clientId,
                username,
                password,
                sessionExpirySeconds,
                receiveMaximum,
                tls,
                trust,
                DEFAULT_KEEP_ALIVE,
                1);
    }

    /**
     * The same broker, credentials, session and limits for another connection of the service, named {@code clientId},
     * publishing at QoS 1 (no look at the broker's version for it).
     */
    public MqttSettings forConnection(String clientId) {
        return new MqttSettings(
                host,
                port,
                clientId,
                username,
                password,
                sessionExpirySeconds,
                receiveMaximum,
                tls,
                trust,
                keepAliveSeconds,
                1);
    }

    /**
     * The same broker and credentials for the connection chat messages go out on, named {@code clientId}: without a
     * session (expiry 0, clean start), so that nothing it sent is sent again after a loss, publishing them at
     * {@code outputQos} (1 or 2; docs/decisions/0046-outputs-on-a-connection-without-a-session.md).
     */
    public MqttSettings forOutputs(String clientId, int outputQos) {
        if (outputQos == OUTPUT_QOS_AUTO) {
            throw new IllegalArgumentException("the outputs' connection needs a QoS: 1 or 2");
        }
        return new MqttSettings(
                host, port, clientId, username, password, 0, receiveMaximum, tls, trust, keepAliveSeconds, outputQos);
    }
}
