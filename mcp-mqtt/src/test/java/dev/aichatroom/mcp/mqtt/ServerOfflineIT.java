package dev.aichatroom.mcp.mqtt;

import static dev.aichatroom.mcp.mqtt.Fixtures.textOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.aichatroom.mcp.mqtt.Fixtures.RunningServer;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Servers and clients going away: pending calls fail at once, sessions end, servers come back. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServerOfflineIT extends MosquittoPerClass {

    private final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void releaseSlowCalls() {
        release.countDown();
    }

    /** A server with "slow", which blocks until the test releases it, and the camera tool. */
    private RunningServer startSlowServer(MqttConnectionConfig connection, String name, String serverId) {
        var config =
                McpMqttServerConfig.builder(connection, name).serverId(serverId).build();
        return Fixtures.startServer(
                config,
                spec -> spec.tools(Fixtures.cameraTool(serverId), Fixtures.tool("slow", (exchange, request) -> {
                    entered.countDown();
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return Fixtures.text("done");
                })));
    }

    private static CompletableFuture<McpSchema.CallToolResult> callSlow(McpSyncClient client) {
        return CompletableFuture.supplyAsync(() -> client.callTool(new McpSchema.CallToolRequest("slow", Map.of())));
    }

    /** Waits for the call to fail and returns the SDK error, checking that it took well under the 60 s timeout. */
    private static McpError awaitFailure(CompletableFuture<?> call, long startNanos) throws Exception {
        try {
            call.get(10, TimeUnit.SECONDS);
            throw new AssertionError("the call succeeded");
        } catch (ExecutionException e) {
            Duration took = Duration.ofNanos(System.nanoTime() - startNanos);
            assertThat(took).isLessThan(Duration.ofSeconds(5));
            assertThat(e.getCause()).isInstanceOf(McpError.class);
            return (McpError) e.getCause();
        }
    }

    @Test
    void pending_call_fails_at_once_when_the_server_stops_gracefully() throws Exception {
        String name = Fixtures.unique("lab/slow");
        String serverId = Fixtures.unique("srv");
        RunningServer server = startSlowServer(broker.connection(), name, serverId);
        McpMqttClientConfig config = Fixtures.clientConfig(broker);
        try (McpSyncClient client = Fixtures.client(McpMqttClientTransport.create(config, serverId, name), config)) {
            client.initialize();
            CompletableFuture<McpSchema.CallToolResult> call = callSlow(client);
            assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();

            long start = System.nanoTime();
            server.close();

            McpError error = awaitFailure(call, start);
            assertThat(error.getJsonRpcError().code()).isEqualTo(McpMqttException.CONNECTION_CLOSED);
            assertThat(error.getMessage())
                    .contains("MCP server '" + name + "'", serverId, "went offline", "'tools/call' aborted");

            // later calls fail immediately too
            long later = System.nanoTime();
            assertThatThrownBy(() -> client.callTool(Fixtures.CAMERA_ON))
                    .isInstanceOf(McpMqttException.class)
                    .hasMessageContaining("went offline");
            assertThat(Duration.ofNanos(System.nanoTime() - later)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void pending_call_fails_at_once_when_the_server_connection_dies() throws Exception {
        String name = Fixtures.unique("lab/slow");
        String serverId = Fixtures.unique("srv");
        try (MqttWireProxy proxy = MqttWireProxy.to(broker);
                RunningServer server = startSlowServer(proxy.connection(), name, serverId)) {
            McpMqttClientConfig config = Fixtures.clientConfig(broker);
            try (McpSyncClient client =
                    Fixtures.client(McpMqttClientTransport.create(config, serverId, name), config)) {
                client.initialize();
                CompletableFuture<McpSchema.CallToolResult> call = callSlow(client);
                assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();

                long start = System.nanoTime();
                proxy.cutAll(); // no DISCONNECT: the broker publishes the server's will (empty retained presence)

                McpError error = awaitFailure(call, start);
                assertThat(error.getJsonRpcError().code()).isEqualTo(McpMqttException.CONNECTION_CLOSED);
                assertThat(error.getMessage()).contains(serverId, "went offline");
            }
        }
    }

    @Test
    void server_comes_back_online_after_losing_its_connection() {
        String name = Fixtures.unique("lab/camera");
        String serverId = Fixtures.unique("srv");
        List<String> events = new CopyOnWriteArrayList<>();
        try (MqttWireProxy proxy = MqttWireProxy.to(broker);
                McpMqttServerDiscovery discovery = McpMqttServerDiscovery.create(Fixtures.clientConfig(broker, name))) {
            Fixtures.recordPresence(discovery, events);
            discovery.start().join();
            var serverConfig = McpMqttServerConfig.builder(proxy.connection(), name)
                    .serverId(serverId)
                    .build();
            try (RunningServer server =
                    Fixtures.startServer(serverConfig, spec -> spec.tools(Fixtures.cameraTool(serverId)))) {
                await().atMost(Duration.ofSeconds(10)).until(() -> events.equals(List.of("online " + serverId)));

                proxy.cutAll();

                await().atMost(Duration.ofSeconds(20))
                        .until(() -> events.equals(
                                List.of("online " + serverId, "offline " + serverId, "online " + serverId)));
                assertThat(server.provider().isRunning()).isTrue();
                McpMqttClientConfig config = Fixtures.clientConfig(broker);
                try (McpSyncClient client = Fixtures.client(
                        discovery.transportFor(discovery.server(serverId).orElseThrow()), config)) {
                    client.initialize();
                    assertThat(textOf(client.callTool(Fixtures.CAMERA_ON))).startsWith("Camera on");
                }
            }
        }
    }

    @Test
    void discovery_reports_servers_again_after_reconnecting_to_the_broker() {
        String name = Fixtures.unique("lab/camera");
        String serverId = Fixtures.unique("srv");
        List<String> events = new CopyOnWriteArrayList<>();
        try (MqttWireProxy proxy = MqttWireProxy.to(broker);
                RunningServer server = Fixtures.startCameraServer(broker, name, serverId);
                McpMqttServerDiscovery discovery =
                        McpMqttServerDiscovery.create(McpMqttClientConfig.builder(proxy.connection())
                                .serverNameFilters(name)
                                .build())) {
            Fixtures.recordPresence(discovery, events);
            discovery.start().join();
            await().atMost(Duration.ofSeconds(10)).until(() -> events.equals(List.of("online " + serverId)));

            proxy.cutAll();

            await().atMost(Duration.ofSeconds(20))
                    .until(() ->
                            events.equals(List.of("online " + serverId, "offline " + serverId, "online " + serverId)));
            assertThat(discovery.servers())
                    .extracting(DiscoveredServer::serverId)
                    .containsExactly(serverId);
        }
    }

    @Test
    void server_ends_the_session_when_the_client_connection_dies() {
        String name = Fixtures.unique("lab/camera");
        String serverId = Fixtures.unique("srv");
        try (MqttWireProxy proxy = MqttWireProxy.to(broker);
                RunningServer server = Fixtures.startCameraServer(broker, name, serverId)) {
            McpMqttClientConfig config =
                    McpMqttClientConfig.builder(proxy.connection()).build();
            var transport = McpMqttClientTransport.create(config, serverId, name);
            try (McpSyncClient client = Fixtures.client(transport, config)) {
                client.initialize();
                assertThat(server.provider().clientIds()).hasSize(1);

                proxy.cutAll(); // the broker publishes the client's will: notifications/disconnected

                await().atMost(Duration.ofSeconds(10))
                        .untilAsserted(
                                () -> assertThat(server.provider().clientIds()).isEmpty());
                await().atMost(Duration.ofSeconds(10)).until(() -> !transport.isConnected());
                assertThatThrownBy(client::ping)
                        .isInstanceOf(McpMqttException.class)
                        .hasMessageContaining("Connection to the MQTT broker lost");
            }
        }
    }

    @Test
    void server_ends_the_session_when_the_client_closes() {
        String name = Fixtures.unique("lab/camera");
        String serverId = Fixtures.unique("srv");
        try (RunningServer server = Fixtures.startCameraServer(broker, name, serverId)) {
            McpMqttClientConfig config = Fixtures.clientConfig(broker);
            McpSyncClient client = Fixtures.client(McpMqttClientTransport.create(config, serverId, name), config);
            client.initialize();
            assertThat(server.provider().clientIds()).hasSize(1);

            client.closeGracefully();

            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(
                            () -> assertThat(server.provider().clientIds()).isEmpty());
        }
    }

    @Test
    void request_without_answer_fails_after_its_per_method_timeout() throws Exception {
        String name = Fixtures.unique("lab/slow");
        String serverId = Fixtures.unique("srv");
        try (RunningServer server = startSlowServer(broker.connection(), name, serverId)) {
            McpMqttClientConfig config = McpMqttClientConfig.builder(broker.connection())
                    .timeouts(McpMqttTimeouts.defaults().withMethod("tools/call", Duration.ofSeconds(1)))
                    .build();
            try (McpSyncClient client =
                    Fixtures.client(McpMqttClientTransport.create(config, serverId, name), config)) {
                client.initialize();
                long start = System.nanoTime();
                CompletableFuture<McpSchema.CallToolResult> call = callSlow(client);

                McpError error = awaitFailure(call, start);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
                assertThat(error.getJsonRpcError().code()).isEqualTo(McpMqttException.REQUEST_TIMEOUT);
                assertThat(error.getMessage()).contains("'tools/call' timed out", "1 s");

                // the session is still usable; the late answer is dropped
                release.countDown();
                client.ping();
                assertThat(textOf(client.callTool(Fixtures.CAMERA_ON))).startsWith("Camera on");
            }
        }
    }

    @Test
    void unreachable_broker_fails_with_a_clear_error() throws Exception {
        MqttConnectionConfig nowhere = MqttConnectionConfig.of("127.0.0.1", MosquittoBroker.freePort());

        var provider = new McpMqttServerTransportProvider(McpMqttServerConfig.builder(nowhere, "lab/none")
                .serverId(Fixtures.unique("srv"))
                .build());
        io.modelcontextprotocol.server.McpServer.sync(provider).build();
        assertThatThrownBy(() -> provider.start().join())
                .isInstanceOf(CompletionException.class)
                .cause()
                .isInstanceOf(McpMqttException.class)
                .hasMessageContaining("Could not start MCP server 'lab/none'");

        McpMqttClientConfig config = McpMqttClientConfig.builder(nowhere).build();
        try (McpSyncClient client = Fixtures.client(McpMqttClientTransport.create(config, "srv", "lab/none"), config)) {
            assertThatThrownBy(client::initialize)
                    .hasRootCauseInstanceOf(java.net.ConnectException.class)
                    .satisfies(e -> assertThat(causes(e))
                            .anySatisfy(c -> assertThat(c)
                                    .isInstanceOf(McpMqttException.class)
                                    .hasMessageContaining("Could not connect to the MQTT broker at 127.0.0.1")));
        }
    }

    private static List<Throwable> causes(Throwable t) {
        List<Throwable> all = new java.util.ArrayList<>();
        for (Throwable c = t; c != null && !all.contains(c); c = c.getCause()) {
            all.add(c);
        }
        return all;
    }
}
