package dev.aichatroom.mcp.mqtt;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Configuration of the client side: server discovery and client transports.
 *
 * @param connection the broker
 * @param clientIdPrefix prefix of the generated MQTT client ids ({@code mcp-client-id}s); no {@code / + #}
 * @param serverNameFilters MQTT topic filters over server names to discover (e.g. {@code devices/#}); filters
 *     suggested by the broker in CONNACK win
 * @param meta metadata sent as {@code MCP-META} in CONNECT
 * @param timeouts per-method request timeouts
 * @param maxPayloadBytes largest JSON-RPC message accepted or sent
 */
public record McpMqttClientConfig(
        MqttConnectionConfig connection,
        String clientIdPrefix,
        List<String> serverNameFilters,
        Map<String, Object> meta,
        McpMqttTimeouts timeouts,
        int maxPayloadBytes) {

    public McpMqttClientConfig {
        Objects.requireNonNull(connection, "connection");
        clientIdPrefix = clientIdPrefix == null ? "mcp-client" : clientIdPrefix;
        Wire.requireValidId(clientIdPrefix, "client id prefix");
        serverNameFilters = serverNameFilters == null || serverNameFilters.isEmpty()
                ? List.of("#")
                : List.copyOf(serverNameFilters);
        serverNameFilters.forEach(Wire::requireValidServerNameFilter);
        meta = meta == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(meta));
        timeouts = timeouts == null ? McpMqttTimeouts.defaults() : timeouts;
        if (maxPayloadBytes < 1024) {
            throw new IllegalArgumentException("maxPayloadBytes must be at least 1024: " + maxPayloadBytes);
        }
    }

    public static Builder builder(MqttConnectionConfig connection) {
        return new Builder(connection);
    }

    /** Builder; only the connection is required. */
    public static final class Builder {
        private final MqttConnectionConfig connection;
        private String clientIdPrefix = "mcp-client";
        private List<String> serverNameFilters = List.of("#");
        private Map<String, Object> meta = Map.of();
        private McpMqttTimeouts timeouts = McpMqttTimeouts.defaults();
        private int maxPayloadBytes = McpMqttServerConfig.DEFAULT_MAX_PAYLOAD_BYTES;

        private Builder(MqttConnectionConfig connection) {
            this.connection = connection;
        }

        public Builder clientIdPrefix(String clientIdPrefix) {
            this.clientIdPrefix = clientIdPrefix;
            return this;
        }

        public Builder serverNameFilters(List<String> serverNameFilters) {
            this.serverNameFilters = serverNameFilters;
            return this;
        }

        public Builder serverNameFilters(String... serverNameFilters) {
            return serverNameFilters(List.of(serverNameFilters));
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

        public McpMqttClientConfig build() {
            return new McpMqttClientConfig(
                    connection, clientIdPrefix, serverNameFilters, meta, timeouts, maxPayloadBytes);
        }
    }
}
