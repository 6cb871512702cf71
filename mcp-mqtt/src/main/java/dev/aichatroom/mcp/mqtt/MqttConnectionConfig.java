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
 */
public record MqttConnectionConfig(
        String host,
        int port,
        String username,
        String password,
        boolean tls,
        TrustManagerFactory trust,
        Duration keepAlive) {

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
    }

    /** Plain TCP, anonymous, 30 s keep-alive. */
    public static MqttConnectionConfig of(String host, int port) {
        return new MqttConnectionConfig(host, port, null, null, false, null, null);
    }

    public MqttConnectionConfig withCredentials(String username, String password) {
        return new MqttConnectionConfig(host, port, username, password, tls, trust, keepAlive);
    }

    /** TLS with the JVM's default trust store, or none. */
    public MqttConnectionConfig withTls(boolean tls) {
        return new MqttConnectionConfig(host, port, username, password, tls, null, keepAlive);
    }

    /** TLS, trusting the certificates {@code trust} accepts (a private CA, a self-signed broker). */
    public MqttConnectionConfig withTls(TrustManagerFactory trust) {
        return new MqttConnectionConfig(
                host, port, username, password, true, Objects.requireNonNull(trust, "trust"), keepAlive);
    }

    public MqttConnectionConfig withKeepAlive(Duration keepAlive) {
        return new MqttConnectionConfig(host, port, username, password, tls, trust, keepAlive);
    }

    @Override
    public String toString() {
        return "MqttConnectionConfig[host=" + host + ", port=" + port + ", username=" + username + ", password="
                + (password == null ? "null" : "***") + ", tls=" + tls + (trust == null ? "" : " (own trust)")
                + ", keepAlive=" + keepAlive + "]";
    }
}
