package dev.aichatroom.mcp.mqtt;

import java.util.Optional;

/** Topic names, user property names and identifier rules of MCP over MQTT. */
final class Wire {

    static final String PROP_COMPONENT_TYPE = "MCP-COMPONENT-TYPE";
    static final String PROP_MQTT_CLIENT_ID = "MCP-MQTT-CLIENT-ID";
    static final String PROP_META = "MCP-META";
    static final String PROP_SERVER_NAME = "MCP-SERVER-NAME";
    static final String PROP_SERVER_NAME_FILTERS = "MCP-SERVER-NAME-FILTERS";
    static final String PROP_RBAC = "MCP-RBAC";

    static final String COMPONENT_SERVER = "mcp-server";
    static final String COMPONENT_CLIENT = "mcp-client";

    static final String METHOD_SERVER_ONLINE = "notifications/server/online";
    static final String METHOD_DISCONNECTED = "notifications/disconnected";

    static final String SERVER_PRESENCE_PREFIX = "$mcp-server/presence/";
    private static final String SERVER_CAPABILITY_PREFIX = "$mcp-server/capability/";
    private static final String SERVER_CONTROL_PREFIX = "$mcp-server/";
    private static final String CLIENT_PRESENCE_PREFIX = "$mcp-client/presence/";
    private static final String CLIENT_CAPABILITY_PREFIX = "$mcp-client/capability/";
    private static final String RPC_PREFIX = "$mcp-rpc/";

    private Wire() {}

    /** Client to server: {@code initialize}. */
    static String serverControl(String serverId, String serverName) {
        return SERVER_CONTROL_PREFIX + serverId + "/" + serverName;
    }

    /** Server to client: list_changed and resource update notifications. */
    static String serverCapability(String serverId, String serverName) {
        return SERVER_CAPABILITY_PREFIX + serverId + "/" + serverName;
    }

    /** Server to client, retained: {@code notifications/server/online}, empty payload when gone. */
    static String serverPresence(String serverId, String serverName) {
        return SERVER_PRESENCE_PREFIX + serverId + "/" + serverName;
    }

    static String serverPresenceFilter(String serverNameFilter) {
        return SERVER_PRESENCE_PREFIX + "+/" + serverNameFilter;
    }

    /** Client to server: {@code notifications/disconnected}. */
    static String clientPresence(String clientId) {
        return CLIENT_PRESENCE_PREFIX + clientId;
    }

    /** Client to server: roots list_changed. */
    static String clientCapability(String clientId) {
        return CLIENT_CAPABILITY_PREFIX + clientId;
    }

    /** Both ways: everything after {@code initialize}. */
    static String rpc(String clientId, String serverId, String serverName) {
        return RPC_PREFIX + clientId + "/" + serverId + "/" + serverName;
    }

    record ServerRef(String serverId, String serverName) {}

    /** Splits {@code $mcp-server/presence/{server-id}/{server-name}}. */
    static Optional<ServerRef> parseServerPresence(String topic) {
        if (!topic.startsWith(SERVER_PRESENCE_PREFIX)) {
            return Optional.empty();
        }
        String rest = topic.substring(SERVER_PRESENCE_PREFIX.length());
        int slash = rest.indexOf('/');
        if (slash <= 0 || slash == rest.length() - 1) {
            return Optional.empty();
        }
        return Optional.of(new ServerRef(rest.substring(0, slash), rest.substring(slash + 1)));
    }

    /** Server ids and client ids: non-empty, without {@code / + #}. */
    static String requireValidId(String id, String what) {
        if (!isValidId(id)) {
            throw new IllegalArgumentException(what + " must be non-empty and must not contain '/', '+', '#': " + id);
        }
        return id;
    }

    static boolean isValidId(String id) {
        return id != null
                && !id.isEmpty()
                && id.length() <= 1024
                && id.chars().noneMatch(c -> c == '/' || c == '+' || c == '#' || c == 0);
    }

    /** Server names: hierarchical ({@code a/b/c}), no wildcards, no empty levels. */
    static String requireValidServerName(String name) {
        if (!isValidServerName(name)) {
            throw new IllegalArgumentException(
                    "server name must be non-empty levels separated by '/', without '+' or '#': " + name);
        }
        return name;
    }

    static boolean isValidServerName(String name) {
        if (name == null || name.isEmpty() || name.length() > 8192) {
            return false;
        }
        for (String level : name.split("/", -1)) {
            if (level.isEmpty() || level.indexOf('+') >= 0 || level.indexOf('#') >= 0 || level.indexOf(0) >= 0) {
                return false;
            }
        }
        return true;
    }

    /** Server name filters: MQTT topic filters ({@code +} a whole level, {@code #} only as the last level). */
    static String requireValidServerNameFilter(String filter) {
        if (!isValidServerNameFilter(filter)) {
            throw new IllegalArgumentException("invalid server name filter: " + filter);
        }
        return filter;
    }

    static boolean isValidServerNameFilter(String filter) {
        if (filter == null || filter.isEmpty() || filter.length() > 8192 || filter.indexOf(0) >= 0) {
            return false;
        }
        String[] levels = filter.split("/", -1);
        for (int i = 0; i < levels.length; i++) {
            String level = levels[i];
            if (level.equals("#")) {
                if (i != levels.length - 1) {
                    return false;
                }
            } else if (!level.equals("+") && (level.indexOf('+') >= 0 || level.indexOf('#') >= 0)) {
                return false;
            }
        }
        return true;
    }

    /** MQTT filter matching of a server name ({@code a/#} also matches {@code a}, as in MQTT). */
    static boolean matchesFilter(String filter, String serverName) {
        String[] f = filter.split("/", -1);
        String[] n = serverName.split("/", -1);
        for (int i = 0; i < f.length; i++) {
            if (f[i].equals("#")) {
                return true;
            }
            if (i >= n.length || (!f[i].equals("+") && !f[i].equals(n[i]))) {
                return false;
            }
        }
        return f.length == n.length;
    }
}
