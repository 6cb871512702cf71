package dev.aichatroom.mcp;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * MCP over MQTT (see {@code docs/mcp.md} and {@code .env.example}).
 *
 * @param enabled {@code MCP_ENABLE}: discover tool servers and expose the chat room as an MCP server at all
 * @param serverNameFilters {@code MCP_SERVER_NAME_FILTERS}: MQTT filters over the server names whose tools the
 *     assistant may use
 * @param roomTools {@code MCP_ROOM_TOOLS}: which discovered servers' tools the assistant offers in chat rooms
 * @param deviceServerName {@code MCP_DEVICE_SERVER_NAME}: the server a voice device's session uses, {@code {suffix}}
 *     standing for the device id's last {@code -}-separated part
 * @param chatRoomRooms {@code MCP_CHATROOM_ROOMS}: the rooms offered as MCP servers (empty = none)
 * @param chatRoomServerName {@code MCP_CHATROOM_SERVER_NAME}: the name of a room's server, {@code {room}} standing for
 *     the room
 * @param toolTimeout {@code MCP_TOOL_TIMEOUT}: how long one tool call may take
 */
public record McpConfig(
        boolean enabled,
        List<String> serverNameFilters,
        RoomTools roomTools,
        String deviceServerName,
        List<String> chatRoomRooms,
        String chatRoomServerName,
        Duration toolTimeout) {

    public static final String DEFAULT_SERVER_NAME_FILTER = "web-ui-hardware-controller/#";
    public static final String DEFAULT_DEVICE_SERVER_NAME = "web-ui-hardware-controller/{suffix}";
    public static final String DEFAULT_CHATROOM_SERVER_NAME = "ai-chatroom/{room}";
    public static final Duration DEFAULT_TOOL_TIMEOUT = Duration.ofSeconds(60);

    /** Which discovered servers' tools the assistant offers in a chat room. */
    public enum RoomTools {
        /** Every discovered server's tools, in every room. */
        ALL,
        /** None: tools are only used through {@link McpTools#forDevice(String)} (voice sessions). */
        NONE;

        public static Optional<RoomTools> parse(String value) {
            for (RoomTools t : values()) {
                if (t.name().equalsIgnoreCase(value.strip())) {
                    return Optional.of(t);
                }
            }
            return Optional.empty();
        }

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public McpConfig {
        serverNameFilters = List.copyOf(serverNameFilters);
        chatRoomRooms = List.copyOf(chatRoomRooms);
        serverNameFilters.forEach(f -> require(isValidServerNameFilter(f), "invalid server name filter: " + f));
        require(isValidServerName(deviceServerName.replace("{suffix}", "x")), "invalid device server name");
        require(isValidServerName(chatRoomServerName.replace("{room}", "x")), "invalid chat room server name");
        require(toolTimeout.isPositive(), "tool timeout must be positive");
    }

    /** The defaults, with the default room offered as an MCP server. */
    public static McpConfig defaults(String defaultRoom) {
        return new McpConfig(
                true,
                List.of(DEFAULT_SERVER_NAME_FILTER),
                RoomTools.ALL,
                DEFAULT_DEVICE_SERVER_NAME,
                List.of(defaultRoom),
                DEFAULT_CHATROOM_SERVER_NAME,
                DEFAULT_TOOL_TIMEOUT);
    }

    /** The name of the MCP server offering this room. */
    public String chatRoomServerNameOf(String room) {
        return chatRoomServerName.replace("{room}", room);
    }

    /**
     * The name of the MCP server a voice device uses: the device id's part after its last {@code -} (the whole id if
     * it has none) stands in for {@code {suffix}}. Empty when that gives no valid server name.
     */
    public Optional<String> deviceServerNameOf(String deviceId) {
        String suffix = deviceId.substring(deviceId.lastIndexOf('-') + 1);
        String name = deviceServerName.replace("{suffix}", suffix);
        return suffix.isEmpty() || !isValidServerName(name) ? Optional.empty() : Optional.of(name);
    }

    /** Hierarchical names ({@code a/b/c}): no empty level, no {@code +} or {@code #}. */
    public static boolean isValidServerName(String name) {
        if (name.isEmpty() || name.length() > 1024) {
            return false;
        }
        for (String level : name.split("/", -1)) {
            if (level.isEmpty() || level.contains("+") || level.contains("#")) {
                return false;
            }
        }
        return true;
    }

    /** MQTT topic filters over server names: {@code +} a whole level, {@code #} only as the last level. */
    public static boolean isValidServerNameFilter(String filter) {
        if (filter.isEmpty() || filter.length() > 1024) {
            return false;
        }
        String[] levels = filter.split("/", -1);
        for (int i = 0; i < levels.length; i++) {
            String level = levels[i];
            boolean wildcard = level.equals("+") || (level.equals("#") && i == levels.length - 1);
            if (!wildcard && (level.isEmpty() || level.contains("+") || level.contains("#"))) {
                return false;
            }
        }
        return true;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
