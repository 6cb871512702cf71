package dev.aichatroom.mcp.mqtt;

import java.time.Duration;
import java.util.Objects;
import javax.net.ssl.TrustManagerFactory;

/**
 * Where and how to reach the MQTT 5 broker.
 *
 * @param host broker host name or address
 * @param port broker port
 * @param username optional user name ({@code null} for anonymous)
 * @param password optional password ({@code null} for none)
 * @param tls connect with TLS
 * @param trust the certificates a TLS broker may present ({@code null}: the JVM's default trust store)
 * @param keepAlive MQTT keep-alive; the broker fires the will after about 1.5 times this without traffic
 * @param maxPacketBytes the Maximum Packet Size each connection announces in its CONNECT, or 0 for twice the
 *     component's maximum payload plus headers. A broker drops, without a word, a message larger than what its
 *     receiver announced; set this to the broker's own packet limit so that every request the broker accepts reaches
 *     the component, and one over the maximum payload is answered with a JSON-RPC error instead of silence
 */
public record MqttConnectionConfig(
        String host,
        int port,
        String username,
        String password,
        boolean tls,
        TrustManagerFactory trust,
        Duration keepAlive,
        int maxPacketBytes) {

    public MqttConnectionConfig(
            String host,
            int port,
            String username,
            String password,
            boolean tls,
            TrustManagerFactory trust,
            Duration keepAlive) {
        this(host, port, username, password, tls, trust, keepAlive, 0);
    }

    public MqttConnectionConfig {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host must not be blank");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        keepAlive = keepAlive == null ? Duration.ofSeconds(30) : keepAlive;
        if (keepAlive.isNegative() || keepAlive.toSeconds() > 65535) {
            throw new IllegalArgumentException("keepAlive must be between 0 and 65535 seconds");
        }
        if (maxPacketBytes != 0 && (maxPacketBytes < 1024 || maxPacketBytes > 268_435_460)) {
            throw new IllegalArgumentException("maxPacketBytes must be 0 or between 1024 and 268435460");
        }
    }

    /** Plain TCP, anonymous, 30 s keep-alive. */
    public static MqttConnectionConfig of(String host, int port) {
        return new MqttConnectionConfig(host, port, null, null, false, null, null);
    }

    public MqttConnectionConfig withCredentials(String username, String password) {
        return new MqttConnectionConfig(host, port, username, password, tls, trust, keepAlive, maxPacketBytes);
    }

    /** TLS with the JVM's default trust store, or none. */
    public MqttConnectionConfig withTls(boolean tls) {
        return new MqttConnectionConfig(host, port, username, password, tls, null, keepAlive, maxPacketBytes);
    }

    /** TLS, trusting the certificates {@code trust} accepts (a private CA, a self-signed broker). */
    public MqttConnectionConfig withTls(TrustManagerFactory trust) {
        return new MqttConnectionConfig(
                host,
                port,
                username,
                password,
                true,
                Objects.requireNonNull(trust, "trust"),
                keepAlive,
                maxPacketBytes);
    }

    public MqttConnectionConfig withKeepAlive(Duration keepAlive) {
        return new MqttConnectionConfig(host, port, username, password, tls, trust, keepAlive, maxPacketBytes);
    }

    /** The Maximum Packet Size to announce (see the record's description); 0 derives it from the payload limit. */
    public MqttConnectionConfig withMaxPacketBytes(int maxPacketBytes) {
        return new MqttConnectionConfig(host, port, username, password, tls, trust, keepAlive, maxPacketBytes);
    }

    @Override
    public String toString() {
        return "MqttConnectionConfig[host=" + host + ", port=" + port + ", username=" + username + ", password="
                + (password == null ? "null" : "***") + ", tls=" + tls + (trust == null ? "" : " (own trust)")
                + ", keepAlive=" + keepAlive + (maxPacketBytes == 0 ? "" : ", maxPacketBytes=" + maxPacketBytes) + "]";
    }
}
