package dev.aichatroom.mcp.mqtt;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Configuration of an MCP server exposed over MQTT.
 *
 * @param connection the broker
 * @param serverId the server's MQTT client id ({@code server-id}); unique per instance, no {@code / + #}
 * @param serverName the hierarchical server name ({@code a/b/c}); a name suggested by the broker in CONNACK wins
 * @param description short description published in {@code notifications/server/online}
 * @param meta metadata published in {@code notifications/server/online} and sent as {@code MCP-META} in CONNECT
 * @param timeouts timeouts of server-to-client requests (ping, roots/list, sampling, ...)
 * @param maxPayloadBytes largest JSON-RPC message accepted or sent
 * @param reconnect reconnect to the broker (and re-announce presence) after the connection is lost
 * @param maxSessions most client sessions at once (initialized or not); an {@code initialize} beyond it is refused
 */
public record McpMqttServerConfig(
        MqttConnectionConfig connection,
        String serverId,
        String serverName,
        String description,
        Map<String, Object> meta,
        McpMqttTimeouts timeouts,
        int maxPayloadBytes,
        boolean reconnect,
        int maxSessions) {

    /** Default largest message: 1 MiB. */
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

    /** Default most client sessions at once. */
    public static final int DEFAULT_MAX_SESSIONS = 256;

    public McpMqttServerConfig {
        Objects.requireNonNull(connection, "connection");
        Wire.requireValidId(serverId, "server-id");
        Wire.requireValidServerName(serverName);
        description = description == null ? "" : description;
        meta = meta == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(meta));
        timeouts = timeouts == null ? McpMqttTimeouts.defaults() : timeouts;
        if (maxPayloadBytes < 1024) {
            throw new IllegalArgumentException("maxPayloadBytes must be at least 1024: " + maxPayloadBytes);
        }
        if (maxSessions < 1) {
            throw new IllegalArgumentException("maxSessions must be at least 1: " + maxSessions);
        }
    }

    public static Builder builder(MqttConnectionConfig connection, String serverName) {
        return new Builder(connection, serverName);
    }

    /** Builder; only the connection and the server name are required. */
    public static final class Builder {
        private final MqttConnectionConfig connection;
        private final String serverName;
        private String serverId;
        private String description = "";
        private Map<String, Object> meta = Map.of();
        private McpMqttTimeouts timeouts = McpMqttTimeouts.defaults();
        private int maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES;
        private boolean reconnect = true;
        private int maxSessions = DEFAULT_MAX_SESSIONS;

        private Builder(MqttConnectionConfig connection, String serverName) {
            this.connection = connection;
            this.serverName = serverName;
        }

        /** The MQTT client id of this instance; default {@code mcp-server-<random>}. */
        public Builder serverId(String serverId) {
            this.serverId = serverId;
            return this;
        }

        public Builder description(String description) {
            this.description = description;
            return this;
        }

        public Builder meta(Map<String, Object> meta) {
            this.meta = meta;
            return this;
        }

        public Builder timeouts(McpMqttTimeouts timeouts) {
            this.timeouts = timeouts;
            return this;
        }

        public Builder maxPayloadBytes(int maxPayloadBytes) {
            this.maxPayloadBytes = maxPayloadBytes;
            return this;
        }

        public Builder reconnect(boolean reconnect) {
            this.reconnect = reconnect;
            return this;
        }

        /**
         * Most client sessions at once (default {@value McpMqttServerConfig#DEFAULT_MAX_SESSIONS}); an {@code initialize} beyond it gets
         * a JSON-RPC error on the client's RPC topic.
         */
        public Builder maxSessions(int maxSessions) {
            this.maxSessions = maxSessions;
            return this;
        }

        public McpMqttServerConfig build() {
            String id = serverId != null
                    ? serverId
                    : "mcp-server-" + UUID.randomUUID().toString().replace("-", "");
            return new McpMqttServerConfig(
                    connection, id, serverName, description, meta, timeouts, maxPayloadBytes, reconnect, maxSessions);
        }
    }
}
