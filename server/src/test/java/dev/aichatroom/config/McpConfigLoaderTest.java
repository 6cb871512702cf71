package dev.aichatroom.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aichatroom.mcp.McpConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class McpConfigLoaderTest {
    private static McpConfig load(Map<String, String> env) {
        return ConfigLoader.load(Env.of(env)).mcp();
    }

    @Test
    void defaults_match_the_documented_ones() {
        McpConfig c = load(Map.of());
        assertThat(c.enabled()).isTrue();
        assertThat(c.serverNameFilters()).containsExactly("web-ui-hardware-controller/#");
        assertThat(c.roomTools()).isEqualTo(McpConfig.RoomTools.ALL);
        assertThat(c.chatRoomRooms()).containsExactly("main");
        assertThat(c.chatRoomServerNameOf("main")).isEqualTo("ai-chatroom/main");
        assertThat(c.toolTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c).isEqualTo(McpConfig.defaults("main"));
    }

    @Test
    void page_tools_reach_room_chat_by_default_only_where_one_person_owns_the_machine() {
        assertThat(load(Map.of()).roomTools()).isEqualTo(McpConfig.RoomTools.ALL);
        assertThat(load(Map.of("MQTT_BIND", "0.0.0.0", "MQTT_USERNAME", "u", "MQTT_PASSWORD", "p"))
                        .roomTools())
                .isEqualTo(McpConfig.RoomTools.NONE);
        assertThat(load(Map.of("MQTT_ALLOW_ANONYMOUS", "false", "MQTT_USERNAME", "u", "MQTT_PASSWORD", "p"))
                        .roomTools())
                .isEqualTo(McpConfig.RoomTools.NONE);
        assertThat(load(Map.of("MQTT_BROKER", "mqtt.example.com")).roomTools()).isEqualTo(McpConfig.RoomTools.NONE);
        assertThat(load(Map.of("MQTT_BROKER", "mqtt.example.com", "MCP_ROOM_TOOLS", "all"))
                        .roomTools())
                .isEqualTo(McpConfig.RoomTools.ALL);
        assertThat(load(Map.of("MCP_ROOM_TOOLS", " Auto ")).roomTools()).isEqualTo(McpConfig.RoomTools.ALL);
    }

    @Test
    void the_chat_rooms_server_follows_the_default_room_and_can_be_switched_off() {
        assertThat(load(Map.of("CHAT_DEFAULT_ROOM", "lobby")).chatRoomRooms()).containsExactly("lobby");
        assertThat(load(Map.of("MCP_CHATROOM_ROOMS", "none")).chatRoomRooms()).isEmpty();
        McpConfig two = load(Map.of("MCP_CHATROOM_ROOMS", "main, lab", "MCP_CHATROOM_SERVER_NAME", "acme/chat/{room}"));
        assertThat(two.chatRoomRooms()).containsExactly("main", "lab");
        assertThat(two.chatRoomServerNameOf("lab")).isEqualTo("acme/chat/lab");
    }

    @Test
    void lists_and_switches_are_read() {
        McpConfig c = load(Map.of(
                "MCP_ENABLE", "false",
                "MCP_SERVER_NAME_FILTERS", "web-ui-hardware-controller/#, lab/+/camera",
                "MCP_ROOM_TOOLS", "NONE",
                "MCP_TOOL_TIMEOUT", "5"));
        assertThat(c.enabled()).isFalse();
        assertThat(c.serverNameFilters()).containsExactly("web-ui-hardware-controller/#", "lab/+/camera");
        assertThat(c.roomTools()).isEqualTo(McpConfig.RoomTools.NONE);
        assertThat(c.toolTimeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void a_device_uses_the_server_named_after_its_id_suffix() {
        McpConfig c = McpConfig.defaults("main");
        assertThat(c.deviceServerNameOf("webrtc-client-k3j9x")).contains("web-ui-hardware-controller/k3j9x");
        assertThat(c.deviceServerNameOf("device_7")).contains("web-ui-hardware-controller/device_7");
        assertThat(c.deviceServerNameOf("trailing-")).isEmpty();
        assertThat(c.deviceServerNameOf("bad-x#y")).isEmpty();
    }

    @Test
    void bad_values_name_the_variable_and_the_fix() {
        for (var bad : List.of(
                Map.of("MCP_SERVER_NAME_FILTERS", "a/#/b"),
                Map.of("MCP_SERVER_NAME_FILTERS", " , "),
                Map.of("MCP_ROOM_TOOLS", "some"),
                Map.of("MCP_DEVICE_SERVER_NAME", "web-ui-hardware-controller"),
                Map.of("MCP_CHATROOM_ROOMS", "users"),
                Map.of("MCP_CHATROOM_ROOMS", "a,b", "MCP_CHATROOM_SERVER_NAME", "ai-chatroom"),
                Map.of("MCP_CHATROOM_SERVER_NAME", "ai-chatroom/+"),
                Map.of("MCP_TOOL_TIMEOUT", "0"),
                Map.of("MCP_ENABLE", "perhaps"))) {
            String variable = bad.keySet().stream()
                    .filter(k -> !bad.containsKey("MCP_CHATROOM_SERVER_NAME") || k.equals("MCP_CHATROOM_SERVER_NAME"))
                    .findFirst()
                    .orElseThrow();
            assertThatThrownBy(() -> load(bad))
                    .as(bad.toString())
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith(variable + ":");
        }
    }
}
