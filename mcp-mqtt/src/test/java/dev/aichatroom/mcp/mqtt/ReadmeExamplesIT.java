package dev.aichatroom.mcp.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The examples of README.md, run against a real broker so that they keep compiling and working. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReadmeExamplesIT {

    /** README: "Exposing a server". */
    static McpSyncServer exposeCamera(MqttConnectionConfig broker) {
        McpMqttServerConfig config = McpMqttServerConfig.builder(broker, "web-ui-hardware-controller/camera")
                .serverId("camera-1") // the MQTT client id; unique per instance
                .description("Turns the lab camera on and off")
                .meta(Map.of("location", "lab"))
                .build();
        var provider = new McpMqttServerTransportProvider(config);
        McpSyncServer server = McpServer.sync(provider)
                .serverInfo("camera", "1.0.0")
                .requestTimeout(config.timeouts().sdkRequestTimeout())
                .capabilities(McpSchema.ServerCapabilities.builder().tools(true).build())
                .tools(McpServerFeatures.SyncToolSpecification.builder()
                        .tool(McpSchema.Tool.builder()
                                .name("control_camera")
                                .description("Turn the camera on or off")
                                .inputSchema(Map.of(
                                        "type", "object",
                                        "properties", Map.of("enabled", Map.of("type", "boolean")),
                                        "required", List.of("enabled")))
                                .build())
                        .callHandler((exchange, request) -> {
                            boolean on = Boolean.TRUE.equals(request.arguments().get("enabled"));
                            return McpSchema.CallToolResult.builder()
                                    .addTextContent(on ? "Camera on" : "Camera off")
                                    .build();
                        })
                        .build())
                .build(); // hands the session factory to the provider
        provider.start().join(); // connect, announce presence, accept clients
        return server;
    }

    /** README: "Using servers". */
    static String useCamera(MqttConnectionConfig broker, List<String> toolNamesSeen) {
        McpMqttClientConfig config = McpMqttClientConfig.builder(broker)
                .serverNameFilters("web-ui-hardware-controller/#")
                .build();
        try (McpMqttServerDiscovery discovery = McpMqttServerDiscovery.create(config)) {
            discovery.addListener(new McpMqttServerDiscovery.Listener() {
                @Override
                public void serverOffline(DiscoveredServer server) {
                    // e.g. drop its tools from the chat room
                }
            });
            discovery.start().join();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !discovery
                            .servers("web-ui-hardware-controller/camera")
                            .isEmpty());

            DiscoveredServer camera =
                    discovery.servers("web-ui-hardware-controller/camera").get(0);
            McpSyncClient client = McpClient.sync(discovery.transportFor(camera))
                    .requestTimeout(config.timeouts().sdkRequestTimeout())
                    .initializationTimeout(config.timeouts().sdkInitializationTimeout())
                    .toolsChangeConsumer(tools -> tools.forEach(t -> toolNamesSeen.add(t.name()))) // after list_changed
                    .build();
            try {
                client.initialize();
                List<McpSchema.Tool> tools = client.listTools().tools();
                tools.forEach(t -> toolNamesSeen.add(t.name()));
                McpSchema.CallToolResult result =
                        client.callTool(new McpSchema.CallToolRequest("control_camera", Map.of("enabled", true)));
                return ((McpSchema.TextContent) result.content().get(0)).text();
            } catch (McpError e) {
                // e.getJsonRpcError().code(): McpMqttException.CONNECTION_CLOSED if the server went offline,
                // McpMqttException.REQUEST_TIMEOUT if it did not answer in time
                throw e;
            } finally {
                client.closeGracefully();
            }
        }
    }

    @Test
    void readme_examples_work() {
        try (MosquittoBroker broker = MosquittoBroker.start()) {
            McpSyncServer server = exposeCamera(broker.connection());
            try {
                List<String> seen = new CopyOnWriteArrayList<>();
                assertThat(useCamera(broker.connection(), seen)).isEqualTo("Camera on");
                assertThat(seen).contains("control_camera");
            } finally {
                server.closeGracefully();
            }
        }
    }
}
