package dev.aichatroom.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aichatroom.ai.FakeOpenAi;
import dev.aichatroom.mcp.mqtt.McpMqttClientConfig;
import dev.aichatroom.mcp.mqtt.McpMqttServerDiscovery;
import dev.aichatroom.mcp.mqtt.MqttConnectionConfig;
import dev.aichatroom.mqtt.Json;
import dev.aichatroom.testing.Mosquitto;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An external Mosquitto that only lets accounts in is restarted under the product: every MCP connection (the room's
 * server, tool discovery, the session with a page) comes back with its credentials, the tools work again, and {@code
 * /health} says MCP is degraded for as long as it is cut off.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class McpReconnectIT {
    private static final String SERVICE = "svc-account";
    private static final String SERVICE_PASSWORD = "svc-secret-42";

    @Test
    void after_a_restart_of_a_broker_with_accounts_mcp_reconnects_with_its_credentials_and_health_shows_the_gap()
            throws Exception {
        try (FakeOpenAi model = new FakeOpenAi();
                Mosquitto mosquitto = Mosquitto.startWithPasswords(Map.of(
                        SERVICE, SERVICE_PASSWORD, "page-account", "page-secret", "agent-account", "agent-secret"));
                TestProduct product = TestProduct.start(Map.of(
                        "MQTT_BROKER", "127.0.0.1",
                        "MQTT_PORT", Integer.toString(mosquitto.port()),
                        "MQTT_USERNAME", SERVICE,
                        "MQTT_PASSWORD", SERVICE_PASSWORD,
                        "MQTT_CLIENT_ID", "mcp-reconnect-it",
                        "AI_PROVIDER", "openai-compatible",
                        "AI_BASE_URL", model.baseUrl(),
                        "AI_MODEL", "fake-model",
                        "MCP_ROOM_TOOLS", "all"));
                TestPage page = TestPage.start(
                        MqttConnectionConfig.of("127.0.0.1", mosquitto.port())
                                .withCredentials("page-account", "page-secret"),
                        "reconnect",
                        false)) {
            page.release();
            awaitMcp(product, "up", "1 server, 4 tools", "serving ai-chatroom/main");

            mosquitto.stop();
            awaitMcp(product, "degraded", "disconnected");
            mosquitto.restart();

            awaitMcp(product, "up", "1 server, 4 tools", "serving ai-chatroom/main");
            try (TestMqtt room = TestMqtt.connect(
                    mosquitto.port(),
                    "reconnect-observer",
                    b -> b,
                    c -> c.simpleAuth()
                            .username("agent-account")
                            .password("agent-secret".getBytes(StandardCharsets.UTF_8))
                            .applySimpleAuth())) {
                room.subscribe("chatroom/#");
                model.then(
                        new FakeOpenAi.ToolCall("call_1", "control_camera", List.of("{\"enabled\": true}")),
                        FakeOpenAi.text("Camera is on."));
                room.publish(
                        "chatroom/messages/in",
                        Json.string(Map.of(
                                "client_id", "reconnect-user", "username", "Tester", "message", "@AI camera on")));
                room.await(
                        "chatroom/messages/out",
                        r -> r.json().path("content").asText().equals("Camera is on."),
                        Duration.ofSeconds(20));
                assertThat(page.calls()).containsExactly(new TestPage.Call("control_camera", Map.of("enabled", true)));
            }
            assertTheRoomServerAnswers(mosquitto.port());
        }
    }

    /** An agent with an account of its own finds the room's MCP server after the restart and calls a tool. */
    private static void assertTheRoomServerAnswers(int port) {
        McpMqttClientConfig config = McpMqttClientConfig.builder(
                        MqttConnectionConfig.of("127.0.0.1", port).withCredentials("agent-account", "agent-secret"))
                .clientIdPrefix("reconnect-agent")
                .serverNameFilters("ai-chatroom/#")
                .build();
        try (McpMqttServerDiscovery discovery = McpMqttServerDiscovery.create(config)) {
            discovery.start().join();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !discovery.servers("ai-chatroom/main").isEmpty());
            try (McpSyncClient agent = McpClient.sync(discovery.transportFor(
                            discovery.servers("ai-chatroom/main").getFirst()))
                    .requestTimeout(config.timeouts().sdkRequestTimeout())
                    .initializationTimeout(config.timeouts().sdkInitializationTimeout())
                    .build()) {
                agent.initialize();
                McpSchema.CallToolResult users = agent.callTool(
                        McpSchema.CallToolRequest.builder("list_users").build());
                assertThat(users.isError()).isFalse();
            }
        }
    }

    private static void awaitMcp(TestProduct product, String status, String... parts) {
        await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> {
            JsonNode mcp = Json.tree(product.get("/health").body().getBytes())
                    .orElseThrow()
                    .path("checks")
                    .path("mcp");
            assertThat(mcp.path("status").asText()).isEqualTo(status);
            assertThat(mcp.path("detail").asText()).contains(parts);
        });
    }
}
