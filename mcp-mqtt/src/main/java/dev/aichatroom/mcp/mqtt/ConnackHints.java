package dev.aichatroom.mcp.mqtt;

import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperties;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperty;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Suggestions a broker may send in CONNACK user properties: {@code MCP-SERVER-NAME} (servers),
 * {@code MCP-SERVER-NAME-FILTERS} and {@code MCP-RBAC} (clients). Invalid values are ignored with a warning.
 */
record ConnackHints(Optional<String> serverName, List<String> serverNameFilters, Map<String, String> rbacRoles) {

    private static final Logger log = LoggerFactory.getLogger(ConnackHints.class);

    static ConnackHints from(Mqtt5UserProperties properties, JsonRpcCodec codec) {
        Optional<String> serverName = Optional.empty();
        List<String> filters = List.of();
        Map<String, String> rbac = Map.of();
        for (Mqtt5UserProperty p : properties.asList()) {
            String name = p.getName().toString();
            String value = p.getValue().toString();
            switch (name) {
                case Wire.PROP_SERVER_NAME -> {
                    if (Wire.isValidServerName(value)) {
                        serverName = Optional.of(value);
                    } else {
                        log.warn("Ignoring invalid {} suggested by the broker: {}", name, value);
                    }
                }
                case Wire.PROP_SERVER_NAME_FILTERS -> filters = parseFilters(value, codec);
                case Wire.PROP_RBAC -> rbac = parseRbac(value, codec);
                default -> {
                    // not ours
                }
            }
        }
        return new ConnackHints(serverName, filters, rbac);
    }

    private static List<String> parseFilters(String value, JsonRpcCodec codec) {
        Object tree = codec.readTree(value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        if (!(tree instanceof List<?> list)) {
            log.warn("Ignoring {} that is not a JSON array: {}", Wire.PROP_SERVER_NAME_FILTERS, value);
            return List.of();
        }
        List<String> filters = new ArrayList<>();
        for (Object o : list) {
            if (o instanceof String s && Wire.isValidServerNameFilter(s)) {
                filters.add(s);
            } else {
                log.warn("Ignoring invalid server name filter suggested by the broker: {}", o);
            }
        }
        return List.copyOf(filters);
    }

    private static Map<String, String> parseRbac(String value, JsonRpcCodec codec) {
        Object tree = codec.readTree(value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        if (!(tree instanceof List<?> list)) {
            log.warn("Ignoring {} that is not a JSON array: {}", Wire.PROP_RBAC, value);
            return Map.of();
        }
        Map<String, String> roles = new LinkedHashMap<>();
        for (Object o : list) {
            if (o instanceof Map<?, ?> m
                    && m.get("server_name") instanceof String server
                    && m.get("role_name") instanceof String role) {
                roles.put(server, role);
            } else {
                log.warn("Ignoring invalid {} entry: {}", Wire.PROP_RBAC, o);
            }
        }
        return Map.copyOf(roles);
    }
}
