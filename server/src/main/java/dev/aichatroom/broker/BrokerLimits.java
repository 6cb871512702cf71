package dev.aichatroom.broker;

import java.time.Duration;

/**
 * What one client may cost the embedded broker before and after it logs in. See docs/decisions/0006-broker-limits.md.
 *
 * @param connectTimeout a connection (TCP, TLS or a finished WebSocket upgrade) that has not logged in by then is
 *     closed
 * @param maxPacketSize the largest MQTT packet (all of it, fixed header included) a logged-in client may send; it is
 *     told so in CONNACK (MQTT 5). Before login the limit is {@link #MAX_CONNECT_BYTES}
 * @param maxConnectionsPerIp open connections from one address on the public listeners; 0 = no limit
 * @param loginFailuresPerIp wrong credentials from one address within a minute before it is banned; 0 = never banned
 * @param loginBan how long the first ban lasts; each ban in a row doubles it, up to {@link #MAX_BAN}
 * @param maxInputBacklog chat inputs waiting for the chat service beyond which the clients that send more have their
 *     reads paused (docs/decisions/0028-input-back-pressure.md); 0 = never
 * @param maxQueuedMessages messages the broker keeps for one client's subscription that it cannot deliver yet (a
 *     subscriber that stops reading, a persistent session away) beyond which the oldest is dropped; the service's own
 *     subscriptions are never bounded (docs/decisions/0036-bounded-subscriber-queues.md); 0 = no bound
 */
public record BrokerLimits(
        Duration connectTimeout,
        int maxPacketSize,
        int maxConnectionsPerIp,
        int loginFailuresPerIp,
        Duration loginBan,
        int maxInputBacklog,
        int maxQueuedMessages) {
    /** The largest first packet (CONNECT) and the largest packet before the broker has accepted the login. */
    public static final int MAX_CONNECT_BYTES = 64 * 1024;
    /** What MQTT's variable byte integer can express. */
    public static final int MQTT_MAX_PACKET = 268_435_455;

    public static final Duration MAX_BAN = Duration.ofHours(1);

    public static final BrokerLimits DEFAULTS =
            new BrokerLimits(Duration.ofSeconds(10), 4 * 1024 * 1024, 1000, 10, Duration.ofSeconds(60), 5_000, 1000);

    public BrokerLimits {
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout must be positive");
        }
        if (maxPacketSize < MAX_CONNECT_BYTES || maxPacketSize > MQTT_MAX_PACKET) {
            throw new IllegalArgumentException(
                    "maxPacketSize must be between " + MAX_CONNECT_BYTES + " and " + MQTT_MAX_PACKET);
        }
        if (maxQueuedMessages < 0) {
            throw new IllegalArgumentException("maxQueuedMessages must be 0 (no bound) or more");
        }
    }
}
