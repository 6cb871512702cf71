package dev.aichatroom.mcp.mqtt;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/** Shared test servers, tools and clients. */
final class Fixtures {

    static final McpSchema.Tool CONTROL_CAMERA = McpSchema.Tool.builder()
            .name("control_camera")
            .description("Turn the camera on or off")
            .inputSchema(Map.of(
                    "type", "object",
                    "properties", Map.of("enabled", Map.of("type", "boolean")),
                    "required", List.of("enabled")))
            .build();

    private Fixtures() {}

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** control_camera: "Camera on"/"Camera off (server-id)", isError if enabled is not a boolean. */
    static McpServerFeatures.SyncToolSpecification cameraTool(String serverId) {
        return McpServerFeatures.SyncToolSpecification.builder()
                .tool(CONTROL_CAMERA)
                .callHandler((exchange, request) -> {
                    Object enabled = request.arguments().get("enabled");
                    if (!(enabled instanceof Boolean on)) {
                        return McpSchema.CallToolResult.builder()
                                .addTextContent("enabled must be a boolean, got " + enabled)
                                .isError(true)
                                .build();
                    }
                    return McpSchema.CallToolResult.builder()
                            .addTextContent((on ? "Camera on" : "Camera off") + " (" + serverId + ")")
                            .isError(false)
                            .build();
                })
                .build();
    }

    static McpServerFeatures.SyncToolSpecification tool(
            String name,
            java.util.function.BiFunction<
                            io.modelcontextprotocol.server.McpSyncServerExchange,
                            McpSchema.CallToolRequest,
                            McpSchema.CallToolResult>
                    handler) {
        return McpServerFeatures.SyncToolSpecification.builder()
                .tool(McpSchema.Tool.builder()
                        .name(name)
                        .description(name)
                        .inputSchema(Map.of("type", "object"))
                        .build())
                .callHandler(handler)
                .build();
    }

    /** The camera tool's call that turns it on. */
    static final McpSchema.CallToolRequest CAMERA_ON =
            new McpSchema.CallToolRequest("control_camera", Map.of("enabled", true));

    /** Adds "online {server id}" and "offline {server id}" to {@code events} as {@code discovery} reports them. */
    static void recordPresence(McpMqttServerDiscovery discovery, List<String> events) {
        discovery.addListener(new McpMqttServerDiscovery.Listener() {
            @Override
            public void serverOnline(DiscoveredServer server) {
                events.add("online " + server.serverId());
            }

            @Override
            public void serverOffline(DiscoveredServer server) {
                events.add("offline " + server.serverId());
            }
        });
    }

    static McpSchema.CallToolResult text(String text) {
        return McpSchema.CallToolResult.builder().addTextContent(text).build();
    }

    static String textOf(McpSchema.CallToolResult result) {
        return ((McpSchema.TextContent) result.content().get(0)).text();
    }

    /** A started SDK server behind an MQTT provider. */
    record RunningServer(McpMqttServerTransportProvider provider, McpSyncServer server) implements AutoCloseable {
        @Override
        public void close() {
            server.closeGracefully();
        }
    }

    static McpMqttServerConfig.Builder serverConfig(MosquittoBroker broker, String serverName, String serverId) {
        return McpMqttServerConfig.builder(broker.connection(), serverName)
                .serverId(serverId)
                .description("Test server " + serverName)
                .meta(Map.of("location", "lab"));
    }

    static RunningServer startServer(McpMqttServerConfig config, Consumer<McpServer.SyncSpecification<?>> customizer) {
        McpMqttServerTransportProvider provider = new McpMqttServerTransportProvider(config);
        McpServer.SyncSpecification<?> spec = McpServer.sync(provider)
                .serverInfo("test-server", "1.0.0")
                .requestTimeout(config.timeouts().sdkRequestTimeout())
                .capabilities(McpSchema.ServerCapabilities.builder()
                        .tools(true)
                        .logging()
                        .build());
        customizer.accept(spec);
        McpSyncServer server = spec.build();
        provider.start().join();
        return new RunningServer(provider, server);
    }

    static RunningServer startCameraServer(MosquittoBroker broker, String serverName, String serverId) {
        return startServer(
                serverConfig(broker, serverName, serverId).build(), spec -> spec.tools(cameraTool(serverId)));
    }

    static McpMqttClientConfig clientConfig(MosquittoBroker broker, String... filters) {
        return McpMqttClientConfig.builder(broker.connection())
                .clientIdPrefix("test-client")
                .serverNameFilters(filters.length == 0 ? List.of("#") : List.of(filters))
                .build();
    }

    static McpSyncClient client(McpMqttClientTransport transport, McpMqttClientConfig config) {
        return client(transport, config, spec -> {});
    }

    static McpSyncClient client(
            McpMqttClientTransport transport, McpMqttClientConfig config, Consumer<McpClient.SyncSpec> customizer) {
        McpClient.SyncSpec spec = McpClient.sync(transport)
                .clientInfo(new McpSchema.Implementation("test-client", "1.0.0"))
                .requestTimeout(config.timeouts().sdkRequestTimeout())
                .initializationTimeout(config.timeouts().sdkInitializationTimeout());
        customizer.accept(spec);
        return spec.build();
    }
}
