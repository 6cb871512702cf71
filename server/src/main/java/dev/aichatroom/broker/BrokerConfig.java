package dev.aichatroom.broker;

import dev.aichatroom.tls.TlsIdentity;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Settings of the embedded broker.
 *
 * @param bind address the listeners bind to
 * @param port plain MQTT over TCP; 0 = none (TLS on a public address, see docs/decisions/0013-tls-posture.md)
 * @param wsPort MQTT over WebSocket (any path, {@code /mqtt} by convention); 0 disables it
 * @param dataDir where the journal (persistent sessions, retained messages) lives
 * @param accounts username → password of the clients allowed in; required unless anonymous clients are allowed
 * @param allowAnonymous empty = like Mosquitto 2: anonymous clients only while the listeners are reachable from this
 *     machine alone (bound to loopback)
 * @param tlsPort MQTT over TLS ({@code mqtts://}), 0 = none; only with {@code tls}
 * @param clientIds which client ids each account owns (and nobody else may use)
 * @param tls the certificate and key: when present the WebSocket listener speaks {@code wss://} and {@code tlsPort}
 *     listens
 * @param limits what one client may cost the broker (packet sizes, connections, logins)
 * @param origins the web pages that may open the WebSocket listener
 * @param journalSync true: the journal is forced to disk (fdatasync) before a QoS 1 message is acknowledged, so it
 *     survives a power cut; false: it is written to the operating system first, so it survives a crash of the process
 *     but not of the machine (docs/decisions/0014-journal-sync.md)
 */
public record BrokerConfig(
        String bind,
        int port,
        int wsPort,
        Path dataDir,
        Map<String, String> accounts,
        Optional<Boolean> allowAnonymous,
        int tlsPort,
        Optional<TlsIdentity> tls,
        BrokerLimits limits,
        ClientIdRules clientIds,
        WebSocketOrigins origins,
        boolean journalSync) {
    /** {@code MQTT_JOURNAL_SYNC}'s default. */
    public static final boolean JOURNAL_SYNC_DEFAULT = false;

    public BrokerConfig {
        accounts = Map.copyOf(accounts);
    }

    /**
     * Without TLS, with the default limits ({@link BrokerLimits#DEFAULTS}), client ids ({@link ClientIdRules#DEFAULTS}),
     * WebSocket origins (the page on port 5000) and journal sync ({@link #JOURNAL_SYNC_DEFAULT}).
     */
    public BrokerConfig(
            String bind,
            int port,
            int wsPort,
            Path dataDir,
            Map<String, String> accounts,
            Optional<Boolean> allowAnonymous) {
        this(
                bind,
                port,
                wsPort,
                dataDir,
                accounts,
                allowAnonymous,
                0,
                Optional.empty(),
                BrokerLimits.DEFAULTS,
                ClientIdRules.DEFAULTS,
                WebSocketOrigins.own(5000, Optional.empty()),
                JOURNAL_SYNC_DEFAULT);
    }

    public boolean anonymousAllowed() {
        return allowAnonymous.orElseGet(() -> isLoopback(bind));
    }

    static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
