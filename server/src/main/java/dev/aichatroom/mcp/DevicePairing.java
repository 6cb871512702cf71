package dev.aichatroom.mcp;

import dev.aichatroom.mcp.mqtt.DiscoveredServer;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Which MCP server instances are a voice device's own page (PROTOCOL.md §5, "Pairing a call with its page"). A page
 * may run its MCP server and its WebRTC client on one MQTT connection or, like seed 2's demo, on two
 * ({@code mcp-ai-web-ui-<random>} and {@code webrtc_client_<random>}); an instance pairs with device {@code id} when
 * <ol>
 *   <li>its name is {@code MCP_DEVICE_SERVER_NAME} with {@code {suffix}} = the id's part after its last {@code -}
 *       (the product's page: {@code voice-…-k3j9x} ↔ {@code web-ui-hardware-controller/k3j9x}), or
 *   <li>its presence's {@code meta} names the device: {@code "webrtc_client_id": id}, or
 *   <li>its server id (MQTT client id) and the device id end in the same random part after their last {@code -} or
 *       {@code _}, at least {@value #MIN_SHARED} characters ({@code mcp-ai-web-ui-k3j9x} ↔ {@code
 *       webrtc_client_k3j9x}), and its name is the device server name's base ({@code web-ui-hardware-controller},
 *       seed 2's name) or below it.
 * </ol>
 * Where browsers log in, the instance must also belong to the device's owner ({@link McpTools#bindDevicesTo}).
 */
final class DevicePairing {
    /** The {@code meta} field of a server's presence that names its page's WebRTC client id. */
    static final String META_WEBRTC_CLIENT_ID = "webrtc_client_id";
    /** Shortest shared random part: shorter ones pair strangers by chance. */
    static final int MIN_SHARED = 4;

    private DevicePairing() {}

    static Predicate<DiscoveredServer> of(McpConfig config, String deviceId) {
        Optional<String> byName = config.deviceServerNameOf(deviceId);
        String base = base(config.deviceServerName());
        Optional<String> shared = randomPart(deviceId);
        return server -> byName.map(server.serverName()::equals).orElse(false)
                || deviceId.equals(server.meta().get(META_WEBRTC_CLIENT_ID))
                || (shared.isPresent()
                        && shared.equals(randomPart(server.serverId()))
                        && (server.serverName().equals(base)
                                || server.serverName().startsWith(base + "/")));
    }

    /** {@code web-ui-hardware-controller/{suffix}} → {@code web-ui-hardware-controller}. */
    private static String base(String deviceServerName) {
        int at = deviceServerName.indexOf("{suffix}");
        String head = at < 0 ? deviceServerName : deviceServerName.substring(0, at);
        return head.endsWith("/") ? head.substring(0, head.length() - 1) : head;
    }

    /** The part after the last {@code -} or {@code _}, when there is one of at least {@value #MIN_SHARED} chars. */
    static Optional<String> randomPart(String id) {
        int cut = Math.max(id.lastIndexOf('-'), id.lastIndexOf('_'));
        String tail = id.substring(cut + 1);
        return cut < 0 || tail.length() < MIN_SHARED ? Optional.empty() : Optional.of(tail);
    }
}
