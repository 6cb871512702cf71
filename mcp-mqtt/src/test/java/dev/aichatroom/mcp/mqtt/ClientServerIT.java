package dev.aichatroom.mcp.mqtt;

import static dev.aichatroom.mcp.mqtt.Fixtures.textOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aichatroom.mcp.mqtt.Fixtures.RunningServer;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The SDK's client against the SDK's server over a real Mosquitto. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientServerIT extends MosquittoPerClass {

    @Test
    void client_initializes_lists_tools_and_calls_a_tool() {
        String name = Fixtures.unique("lab/camera");
        try (RunningServer server = Fixtures.startCameraServer(broker, name, Fixtures.unique("srv"))) {
            McpMqttClientConfig config = Fixtures.clientConfig(broker);
            var transport = McpMqttClientTransport.create(
                    config, server.provider().serverId(), server.provider().serverName());
            try (McpSyncClient client = Fixtures.client(transport, config)) {
                McpSchema.InitializeResult init = client.initialize();
                assertThat(init.serverInfo().name()).isEqualTo("test-server");
                assertThat(transport.mcpClientId()).isPresent();
                assertThat(server.provider().clientIds())
                        .containsExactly(transport.mcpClientId().get());

                List<McpSchema.Tool> tools = client.listTools().tools();
                assertThat(tools).extracting(McpSchema.Tool::name).containsExactly("control_camera");

                McpSchema.CallToolResult on = client.callTool(Fixtures.CAMERA_ON);
                assertThat(on.isError()).isNotEqualTo(Boolean.TRUE);
                assertThat(textOf(on)).startsWith("Camera on");

                McpSchema.CallToolResult off =
                        client.callTool(new McpSchema.CallToolRequest("control_camera", Map.of("enabled", false)));
                assertThat(textOf(off)).startsWith("Camera off");
            }
        }
    }

    @Test
    void tool_failures_come_back_as_isError_results() {
        String name = Fixtures.unique("lab/camera");
        String serverId = Fixtures.unique("srv");
        var serverConfig = Fixtures.serverConfig(broker, name, serverId).build();
        try (RunningServer server = Fixtures.startServer(
                serverConfig,
                spec -> spec.tools(
                        Fixtures.cameraTool(serverId),
                        Fixtures.tool(
                                "jammed_camera",
                                (exchange, request) -> McpSchema.CallToolResult.builder()
                                        .addTextContent("camera is jammed")
                                        .isError(true)
                                        .build())))) {
            McpMqttClientConfig config = Fixtures.clientConfig(broker);
            var transport = McpMqttClientTransport.create(config, serverId, name);
            try (McpSyncClient client = Fixtures.client(transport, config)) {
                client.initialize();

                McpSchema.CallToolResult jammed =
                        client.callTool(new McpSchema.CallToolRequest("jammed_camera", Map.of()));
                assertThat(jammed.isError()).isTrue();
                assertThat(textOf(jammed)).isEqualTo("camera is jammed");

                McpSchema.CallToolResult invalid =
                        client.callTool(new McpSchema.CallToolRequest("control_camera", Map.of("enabled", "yes")));
                assertThat(invalid.isError()).isTrue();
                assertThat(textOf(invalid)).contains("enabled");
            }
        }
    }

    @Test
    void client_and_server_ping_each_other() {
        String name = Fixtures.unique("lab/pinger");
        String serverId = Fixtures.unique("srv");
        var serverConfig = Fixtures.serverConfig(broker, name, serverId).build();
        try (RunningServer server = Fixtures.startServer(
                serverConfig,
                spec -> spec.tools(Fixtures.tool("ping_client", (exchange, request) -> {
                    exchange.ping();
                    return Fixtures.text("client answered ping");
                })))) {
            McpMqttClientConfig config = Fixtures.clientConfig(broker);
            var transport = McpMqttClientTransport.create(config, serverId, name);
            try (McpSyncClient client = Fixtures.client(transport, config)) {
                client.initialize();
                client.ping();
                McpSchema.CallToolResult result =
                        client.callTool(new McpSchema.CallToolRequest("ping_client", Map.of()));
                assertThat(textOf(result)).isEqualTo("client answered ping");
            }
        }
    }

    @Test
    void tools_list_changed_makes_the_client_see_the_new_tool_list() {
        String name = Fixtures.unique("lab/camera");
        String serverId = Fixtures.unique("srv");
        try (RunningServer server = Fixtures.startCameraServer(broker, name, serverId)) {
            List<List<String>> seen = new CopyOnWriteArrayList<>();
            try (McpSyncClient client = clientSeeingToolLists(serverId, name, seen)) {
                client.initialize();

                server.server().addTool(Fixtures.tool("zoom", (exchange, request) -> Fixtures.text("zoomed")));

                await().atMost(Duration.ofSeconds(10))
                        .untilAsserted(() -> assertThat(seen).contains(List.of("control_camera", "zoom")));
                assertThat(client.listTools().tools())
                        .extracting(McpSchema.Tool::name)
                        .containsExactlyInAnyOrder("control_camera", "zoom");
                assertThat(textOf(client.callTool(new McpSchema.CallToolRequest("zoom", Map.of()))))
                        .isEqualTo("zoomed");
            }
        }
    }

    @Test
    void a_flood_of_tools_list_changed_costs_at_most_one_tools_list_per_second_and_ends_on_the_latest_list() {
        String name = Fixtures.unique("lab/camera");
        String serverId = Fixtures.unique("srv");
        try (RunningServer server = Fixtures.startCameraServer(broker, name, serverId)) {
            List<List<String>> seen = new CopyOnWriteArrayList<>();
            try (McpSyncClient client = clientSeeingToolLists(serverId, name, seen)) {
                client.initialize();
                long start = System.nanoTime();

                for (int i = 0; i < 5000; i++) {
                    server.server().notifyToolsListChanged();
                }
                server.server().addTool(Fixtures.tool("zoom", (exchange, request) -> Fixtures.text("zoomed")));
                long floodSeconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();

                await().atMost(Duration.ofSeconds(20))
                        .untilAsserted(() ->
                                assertThat(seen).isNotEmpty().last().isEqualTo(List.of("control_camera", "zoom")));
                int calls = seen.size();
                await().during(Duration.ofMillis(1500))
                        .atMost(Duration.ofSeconds(5))
                        .until(() -> seen.size() == calls);
                assertThat(calls)
                        .as("tools/list calls for 5,001 notifications sent in %d s", floodSeconds)
                        .isLessThanOrEqualTo((int) floodSeconds + 3);
            }
        }
    }

    /** A client of the server whose every tools list after a {@code tools/list_changed} goes to {@code seen}. */
    private static McpSyncClient clientSeeingToolLists(String serverId, String name, List<List<String>> seen) {
        McpMqttClientConfig config = Fixtures.clientConfig(broker);
        var transport = McpMqttClientTransport.create(config, serverId, name);
        return Fixtures.client(
                transport,
                config,
                spec -> spec.toolsChangeConsumer(tools ->
                        seen.add(tools.stream().map(McpSchema.Tool::name).toList())));
    }

    @Test
    void discovery_tells_two_instances_of_one_server_name_apart() {
        String name = Fixtures.unique("lab/camera");
        String idA = Fixtures.unique("srv-a");
        String idB = Fixtures.unique("srv-b");
        try (RunningServer a = Fixtures.startCameraServer(broker, name, idA);
                RunningServer b = Fixtures.startCameraServer(broker, name, idB);
                McpMqttServerDiscovery discovery = McpMqttServerDiscovery.create(Fixtures.clientConfig(broker, name))) {
            discovery.start().join();
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(discovery.servers(name))
                            .extracting(DiscoveredServer::serverId)
                            .containsExactlyInAnyOrder(idA, idB));

            DiscoveredServer first = discovery.server(idA).orElseThrow();
            assertThat(first.serverName()).isEqualTo(name);
            assertThat(first.description()).isEqualTo("Test server " + name);
            assertThat(first.meta()).containsEntry("location", "lab");

            for (DiscoveredServer instance : discovery.servers(name)) {
                try (McpSyncClient client =
                        Fixtures.client(discovery.transportFor(instance), Fixtures.clientConfig(broker))) {
                    client.initialize();
                    McpSchema.CallToolResult result = client.callTool(Fixtures.CAMERA_ON);
                    assertThat(textOf(result)).isEqualTo("Camera on (" + instance.serverId() + ")");
                }
            }
        }
    }

    @Test
    void wildcard_filters_select_servers_by_name() {
        String root = Fixtures.unique("web-ui-hardware-controller");
        String other = Fixtures.unique("other");
        try (RunningServer camera = Fixtures.startCameraServer(broker, root + "/camera", Fixtures.unique("srv"));
                RunningServer lights =
                        Fixtures.startCameraServer(broker, root + "/lights/hall", Fixtures.unique("srv"));
                RunningServer unrelated =
                        Fixtures.startCameraServer(broker, other + "/camera", Fixtures.unique("srv"));
                McpMqttServerDiscovery all = McpMqttServerDiscovery.create(Fixtures.clientConfig(broker, root + "/#"));
                McpMqttServerDiscovery cameras =
                        McpMqttServerDiscovery.create(Fixtures.clientConfig(broker, root + "/+", other + "/+"))) {
            all.start().join();
            cameras.start().join();

            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(all.servers())
                            .extracting(DiscoveredServer::serverName)
                            .containsExactlyInAnyOrder(root + "/camera", root + "/lights/hall"));
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(cameras.servers())
                            .extracting(DiscoveredServer::serverName)
                            .containsExactlyInAnyOrder(root + "/camera", other + "/camera"));
        }
    }

    @Test
    void discovery_reports_servers_going_offline() {
        String name = Fixtures.unique("lab/camera");
        String serverId = Fixtures.unique("srv");
        List<String> events = new CopyOnWriteArrayList<>();
        try (McpMqttServerDiscovery discovery = McpMqttServerDiscovery.create(Fixtures.clientConfig(broker, name))) {
            Fixtures.recordPresence(discovery, events);
            discovery.start().join();
            RunningServer server = Fixtures.startCameraServer(broker, name, serverId);
            await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("online " + serverId));

            server.close();

            await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("offline " + serverId));
            assertThat(discovery.servers()).isEmpty();
        }
    }
}
