package dev.aichatroom.mcp.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperties;
import io.modelcontextprotocol.json.McpJsonDefaults;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigTest {

    private final MqttConnectionConfig connection = MqttConnectionConfig.of("localhost", 1883);

    @Test
    void default_timeouts_follow_the_specification() {
        McpMqttTimeouts t = McpMqttTimeouts.defaults();
        assertThat(t.forMethod("initialize")).isEqualTo(Duration.ofSeconds(30));
        assertThat(t.forMethod("ping")).isEqualTo(Duration.ofSeconds(10));
        assertThat(t.forMethod("tools/call")).isEqualTo(Duration.ofSeconds(60));
        assertThat(t.forMethod("tools/list")).isEqualTo(Duration.ofSeconds(30));
        assertThat(t.forMethod("anything/else")).isEqualTo(Duration.ofSeconds(30));
        // §5: "others 30 s" covers sampling and completion too
        assertThat(t.forMethod("sampling/createMessage")).isEqualTo(Duration.ofSeconds(30));
        assertThat(t.forMethod("completion/complete")).isEqualTo(Duration.ofSeconds(30));
        assertThat(t.forMethod("resources/read")).isEqualTo(Duration.ofSeconds(30));
        assertThat(t.perMethod()).containsOnlyKeys("initialize", "ping", "tools/call");
        assertThat(t.maximum()).isEqualTo(Duration.ofSeconds(60));
        assertThat(t.sdkRequestTimeout()).isGreaterThan(Duration.ofSeconds(60));
        assertThat(t.sdkInitializationTimeout()).isGreaterThan(Duration.ofSeconds(30));
    }

    @Test
    void timeouts_are_configurable_per_method() {
        McpMqttTimeouts t = McpMqttTimeouts.defaults()
                .withMethod("tools/call", Duration.ofMinutes(5))
                .withDefault(Duration.ofSeconds(5));
        assertThat(t.forMethod("tools/call")).isEqualTo(Duration.ofMinutes(5));
        assertThat(t.forMethod("tools/list")).isEqualTo(Duration.ofSeconds(5));
        assertThat(t.sdkRequestTimeout()).isGreaterThan(Duration.ofMinutes(5));
        assertThatThrownBy(() -> t.withMethod("ping", Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void server_config_validates_ids_and_names_and_fills_defaults() {
        McpMqttServerConfig c =
                McpMqttServerConfig.builder(connection, "devices/camera").build();
        assertThat(c.serverId()).startsWith("mcp-server-").doesNotContain("/", "+", "#");
        assertThat(c.maxPayloadBytes()).isEqualTo(1024 * 1024);
        assertThat(c.reconnect()).isTrue();
        assertThat(c.maxSessions()).isEqualTo(256);
        assertThatThrownBy(() -> McpMqttServerConfig.builder(connection, "devices/camera")
                        .maxSessions(0)
                        .build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(c.timeouts()).isEqualTo(McpMqttTimeouts.defaults());

        assertThatThrownBy(() ->
                        McpMqttServerConfig.builder(connection, "devices/+").build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> McpMqttServerConfig.builder(connection, "devices/camera")
                        .serverId("a/b")
                        .build())
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void client_config_defaults_to_all_servers_and_validates_filters() {
        McpMqttClientConfig c = McpMqttClientConfig.builder(connection).build();
        assertThat(c.serverNameFilters()).containsExactly("#");
        assertThat(McpMqttClientConfig.builder(connection)
                        .serverNameFilters("web-ui-hardware-controller/#", "+/camera")
                        .build()
                        .serverNameFilters())
                .containsExactly("web-ui-hardware-controller/#", "+/camera");
        assertThatThrownBy(() -> McpMqttClientConfig.builder(connection)
                        .serverNameFilters("a/#/b")
                        .build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> McpMqttClientConfig.builder(connection)
                        .clientIdPrefix("bad/prefix")
                        .build())
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void connection_config_does_not_print_the_password() {
        assertThat(connection.withCredentials("user", "secret").toString())
                .contains("user")
                .doesNotContain("secret");
    }

    @Test
    void connack_hints_are_read_from_user_properties() {
        JsonRpcCodec codec = new JsonRpcCodec(McpJsonDefaults.getMapper(), 4096);
        ConnackHints hints = ConnackHints.from(
                Mqtt5UserProperties.builder()
                        .add("MCP-SERVER-NAME", "a/b")
                        .add("MCP-SERVER-NAME-FILTERS", "[\"a/#\",\"bad/#/x\",\"+/c\"]")
                        .add("MCP-RBAC", "[{\"server_name\":\"a/b\",\"role_name\":\"admin\"},{\"x\":1}]")
                        .add("OTHER", "ignored")
                        .build(),
                codec);
        assertThat(hints.serverName()).contains("a/b");
        assertThat(hints.serverNameFilters()).isEqualTo(List.of("a/#", "+/c"));
        assertThat(hints.rbacRoles()).isEqualTo(Map.of("a/b", "admin"));

        ConnackHints none = ConnackHints.from(Mqtt5UserProperties.of(), codec);
        assertThat(none.serverName()).isEmpty();
        assertThat(none.serverNameFilters()).isEmpty();
        assertThat(none.rbacRoles()).isEmpty();
    }
}
