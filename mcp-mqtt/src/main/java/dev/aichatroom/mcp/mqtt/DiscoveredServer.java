package dev.aichatroom.mcp.mqtt;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One online MCP server instance, as announced on its retained presence topic. Several instances may share a
 * {@code serverName}; {@code serverId} (the server's MQTT client id) tells them apart.
 *
 * @param serverId the instance's MQTT client id
 * @param serverName the hierarchical server name ({@code a/b/c})
 * @param description the description from {@code notifications/server/online} (empty if none)
 * @param meta the {@code meta} object from {@code notifications/server/online} (empty if none)
 */
public record DiscoveredServer(String serverId, String serverName, String description, Map<String, Object> meta) {

    public DiscoveredServer {
        Objects.requireNonNull(serverId, "serverId");
        Objects.requireNonNull(serverName, "serverName");
        description = description == null ? "" : description;
        meta = meta == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(meta));
    }
}
