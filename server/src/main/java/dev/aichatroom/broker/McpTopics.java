package dev.aichatroom.broker;

/**
 * Who may use which topic of MCP over MQTT (PROTOCOL.md §5), where a server's {@code server-id} and a client's
 * {@code mcp-client-id} are their MQTT client ids: a client speaks only for itself. Without this, any client with an
 * account could announce itself as another page's server, answer tool calls meant for it, or read the RPC of a
 * session it is not part of.
 *
 * <ul>
 *   <li>{@code $mcp-server/presence/{server-id}/…} and {@code $mcp-server/capability/{server-id}/…}: published by
 *       that server only; anyone may subscribe (discovery).
 *   <li>{@code $mcp-server/{server-id}/…} (control: {@code initialize}): anyone may publish; only that server
 *       subscribes.
 *   <li>{@code $mcp-client/presence/{mcp-client-id}} and {@code $mcp-client/capability/{mcp-client-id}}: published
 *       by that client only; anyone may subscribe.
 *   <li>{@code $mcp-rpc/{mcp-client-id}/{server-id}/…}: published and subscribed by those two only.
 * </ul>
 *
 * Wildcards in an id position never equal a client id, so they are refused where an id is checked.
 *
 * <p>The topic rules do not cover the {@code MCP-MQTT-CLIENT-ID} user property, which names the sender of every MCP
 * PUBLISH and which a server trusts to pick the RPC topic it answers on and the topics it subscribes to: anyone may
 * publish {@code initialize} on a control topic, so without {@link #refuseClaimedSender} a client could open
 * sessions in other clients' names. A client that logged in may therefore only name itself there.
 */
final class McpTopics {
    private static final String SERVER = "$mcp-server/";
    private static final String CLIENT = "$mcp-client/";
    private static final String RPC = "$mcp-rpc/";

    /** The user property naming the sender of an MCP PUBLISH. */
    static final String SENDER_PROPERTY = "MCP-MQTT-CLIENT-ID";

    private McpTopics() {}

    static boolean isMcp(String topic) {
        return topic.startsWith(SERVER) || topic.startsWith(CLIENT) || topic.startsWith(RPC);
    }

    /**
     * A reason to refuse an MCP PUBLISH whose {@code MCP-MQTT-CLIENT-ID} (any of them, if it carries several) names
     * someone other than its publisher; empty when all name the publisher or there is none (the receiver ignores
     * messages without it).
     */
    static java.util.Optional<String> refuseClaimedSender(
            String clientId, String topic, java.util.List<String> claimed) {
        if (!isMcp(topic)) {
            return java.util.Optional.empty();
        }
        return claimed.stream()
                .filter(c -> !c.equals(clientId))
                .findFirst()
                .map(c -> "MQTT client '" + clientId + "' may not publish on " + topic + " with " + SENDER_PROPERTY
                        + " '" + c + "': it may only name itself");
    }

    static boolean mayPublish(String clientId, String topic) {
        if (topic.startsWith(SERVER)) {
            String[] l = levels(topic, SERVER);
            return switch (l[0]) {
                case "presence", "capability" -> l.length > 1 && l[1].equals(clientId);
                default -> true; // a request to a server's control topic
            };
        }
        if (topic.startsWith(CLIENT)) {
            String[] l = levels(topic, CLIENT);
            return l.length > 1 && l[1].equals(clientId);
        }
        if (topic.startsWith(RPC)) {
            return isRpcParty(clientId, levels(topic, RPC));
        }
        return true;
    }

    static boolean maySubscribe(String clientId, String filter) {
        if (filter.startsWith(SERVER)) {
            String[] l = levels(filter, SERVER);
            return switch (l[0]) {
                case "presence", "capability" -> true;
                default -> l[0].equals(clientId); // only the server reads its control topic
            };
        }
        if (filter.startsWith(RPC)) {
            return isRpcParty(clientId, levels(filter, RPC));
        }
        return true;
    }

    private static boolean isRpcParty(String clientId, String[] l) {
        return l[0].equals(clientId) || (l.length > 1 && l[1].equals(clientId));
    }

    private static String[] levels(String topic, String prefix) {
        return topic.substring(prefix.length()).split("/", -1);
    }
}
