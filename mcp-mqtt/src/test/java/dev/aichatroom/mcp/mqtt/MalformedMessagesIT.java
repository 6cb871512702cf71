package dev.aichatroom.mcp.mqtt;

import static dev.aichatroom.mcp.mqtt.RawPeer.errorCode;
import static dev.aichatroom.mcp.mqtt.RawPeer.method;
import static dev.aichatroom.mcp.mqtt.RawPeer.withId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.aichatroom.mcp.mqtt.Fixtures.RunningServer;
import dev.aichatroom.mcp.mqtt.RawPeer.Received;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Broken, invalid and oversized messages get JSON-RPC errors on the right topic and break nothing. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MalformedMessagesIT extends MosquittoPerClass {

    private static final String INITIALIZE = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
            + "\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
            + "\"clientInfo\":{\"name\":\"raw\",\"version\":\"0\"}}}";

    private record Target(String serverId, String serverName) {
        String control() {
            return "$mcp-server/" + serverId + "/" + serverName;
        }

        String rpc(String clientId) {
            return "$mcp-rpc/" + clientId + "/" + serverId + "/" + serverName;
        }
    }

    /** A raw client subscribed to its RPC topic (No Local), not yet initialized. */
    private static RawPeer rawClient(Target target) {
        RawPeer peer = new RawPeer(broker.connection(), Fixtures.unique("raw-client"), "mcp-client");
        return peer.subscribe(target.rpc(peer.clientId()), true);
    }

    private static void initialize(RawPeer peer, Target target) {
        peer.subscribe("$mcp-client/presence/" + peer.clientId(), false);
        peer.publish(target.control(), INITIALIZE);
        Received result = peer.await(withId(1));
        assertThat(result.topic()).isEqualTo(target.rpc(peer.clientId()));
        assertThat(result.json()).containsKey("result");
        peer.publish(target.rpc(peer.clientId()), "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    }

    private static void assertServerAnswersPing(RawPeer peer, Target target, int id) {
        peer.publish(target.rpc(peer.clientId()), "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"ping\"}");
        Received pong = peer.await(withId(id));
        assertThat(pong.json()).containsEntry("result", Map.of());
    }

    private static Map<?, ?> error(Received r) {
        return (Map<?, ?>) r.json().get("error");
    }

    @Test
    void malformed_json_on_the_control_topic_gets_a_parse_error_on_the_rpc_topic() {
        String serverId = Fixtures.unique("srv");
        Target target = new Target(serverId, Fixtures.unique("lab/camera"));
        try (RunningServer server = Fixtures.startCameraServer(broker, target.serverName(), serverId);
                RawPeer peer = rawClient(target)) {
            peer.publish(target.control(), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\"");

            Received error = peer.await(errorCode(-32700));
            assertThat(error.topic()).isEqualTo(target.rpc(peer.clientId()));
            assertThat(error.json()).containsEntry("jsonrpc", "2.0").containsEntry("id", null);
            assertThat(error.text()).contains("\"id\":null");

            initialize(peer, target); // the server still accepts a proper initialize
        }
    }

    @Test
    void a_request_other_than_initialize_on_the_control_topic_is_an_invalid_request() {
        String serverId = Fixtures.unique("srv");
        Target target = new Target(serverId, Fixtures.unique("lab/camera"));
        try (RunningServer server = Fixtures.startCameraServer(broker, target.serverName(), serverId);
                RawPeer peer = rawClient(target)) {
            peer.publish(target.control(), "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/list\"}");

            Received error = peer.await(withId(5));
            assertThat(error(error).get("code")).isEqualTo(-32600);
            assertThat((String) error(error).get("message")).contains("Only 'initialize'");
        }
    }

    @Test
    void a_control_message_without_sender_client_id_is_ignored() {
        String serverId = Fixtures.unique("srv");
        Target target = new Target(serverId, Fixtures.unique("lab/camera"));
        try (RunningServer server = Fixtures.startCameraServer(broker, target.serverName(), serverId);
                RawPeer peer = rawClient(target)) {
            peer.publish(target.control(), INITIALIZE.getBytes(StandardCharsets.UTF_8), false, false);
            await().during(Duration.ofMillis(500))
                    .atMost(Duration.ofSeconds(3))
                    .until(() -> peer.received().isEmpty()
                            && server.provider().clientIds().isEmpty());

            initialize(peer, target);
            assertThat(server.provider().clientIds()).containsExactly(peer.clientId());
        }
    }

    @Test
    void invalid_messages_on_the_rpc_topic_get_json_rpc_errors_and_the_server_keeps_working() {
        String serverId = Fixtures.unique("srv");
        Target target = new Target(serverId, Fixtures.unique("lab/camera"));
        try (RunningServer server = Fixtures.startCameraServer(broker, target.serverName(), serverId);
                RawPeer peer = rawClient(target)) {
            initialize(peer, target);
            String rpc = target.rpc(peer.clientId());

            peer.publish(rpc, "{oops");
            assertThat(peer.await(errorCode(-32700)).json()).containsEntry("id", null);

            peer.publish(rpc, "{\"jsonrpc\":\"2.0\",\"id\":7}");
            assertThat(error(peer.await(withId(7))).get("code")).isEqualTo(-32600);

            peer.publish(rpc, "{\"jsonrpc\":\"1.0\",\"id\":8,\"method\":\"ping\"}");
            assertThat(error(peer.await(withId(8))).get("code")).isEqualTo(-32600);

            peer.publish(rpc, "{\"jsonrpc\":\"2.0\",\"id\":\"nine\",\"method\":42}");
            assertThat(error(peer.await(withId("nine"))).get("code")).isEqualTo(-32600);

            peer.publish(rpc, "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"tools/call\",\"params\":\"camera\"}");
            assertThat(error(peer.await(withId(10))).get("code")).isEqualTo(-32600);

            peer.publish(rpc, "[{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"ping\"}]");
            peer.publish(rpc, "42");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> peer.received().stream()
                                    .filter(errorCode(-32600))
                                    .filter(r -> r.json().get("id") == null)
                                    .count()
                            == 2);

            // the session survived all of it
            assertServerAnswersPing(peer, target, 12);
            peer.publish(
                    rpc,
                    "{\"jsonrpc\":\"2.0\",\"id\":13,\"method\":\"tools/call\","
                            + "\"params\":{\"name\":\"control_camera\",\"arguments\":{\"enabled\":true}}}");
            assertThat(peer.await(withId(13)).text()).contains("Camera on");
            assertThat(server.provider().clientIds()).containsExactly(peer.clientId());
        }
    }

    @Test
    void a_request_id_already_in_flight_is_refused_and_the_tool_runs_once() throws InterruptedException {
        String serverId = Fixtures.unique("srv");
        Target target = new Target(serverId, Fixtures.unique("lab/slow"));
        java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
        var config =
                Fixtures.serverConfig(broker, target.serverName(), serverId).build();
        try (RunningServer server = Fixtures.startServer(
                        config,
                        spec -> spec.tools(Fixtures.tool("slow", (x, r) -> {
                            runs.incrementAndGet();
                            try {
                                gate.await(20, java.util.concurrent.TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            return Fixtures.text("done");
                        })));
                RawPeer peer = rawClient(target)) {
            initialize(peer, target);
            String rpc = target.rpc(peer.clientId());
            String call = "{\"jsonrpc\":\"2.0\",\"id\":30,\"method\":\"tools/call\",\"params\":{\"name\":\"slow\"}}";

            peer.publish(rpc, call);
            await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() == 1);
            peer.publish(rpc, call);

            Received refused = peer.await(errorCode(-32600));
            assertThat(refused.json()).containsEntry("id", 30);
            assertThat((String) error(refused).get("message")).contains("already in flight");
            gate.countDown();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> peer.received().stream()
                            .anyMatch(r -> withId(30).test(r) && r.json().containsKey("result")));
            assertThat(runs).as("the tool ran once").hasValue(1);

            peer.publish(rpc, call); // answered: the id may be used again
            await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() == 2);
        }
    }

    @Test
    void oversized_payload_is_rejected_and_the_server_keeps_working() {
        String serverId = Fixtures.unique("srv");
        Target target = new Target(serverId, Fixtures.unique("lab/camera"));
        var config = Fixtures.serverConfig(broker, target.serverName(), serverId)
                .maxPayloadBytes(16 * 1024)
                .build();
        try (RunningServer server = Fixtures.startServer(config, spec -> spec.tools(Fixtures.cameraTool(serverId)));
                RawPeer peer = rawClient(target)) {
            initialize(peer, target);
            String rpc = target.rpc(peer.clientId());
            char[] filler = new char[40 * 1024];
            Arrays.fill(filler, 'x');
            String big =
                    "{\"jsonrpc\":\"2.0\",\"id\":20,\"method\":\"tools/call\",\"params\":{\"name\":\"control_camera\","
                            + "\"arguments\":{\"enabled\":true,\"note\":\"" + new String(filler) + "\"}}}";

            peer.publish(rpc, big);

            Received rejected = peer.await(errorCode(-32600));
            assertThat((String) error(rejected).get("message")).contains("exceeds the maximum payload of 16384 bytes");

            // far beyond the MQTT maximum packet size the server announced: the broker does not even deliver it
            peer.publish(rpc, big.repeat(8));

            assertServerAnswersPing(peer, target, 21);
        }
    }

    @Test
    void a_request_far_over_the_payload_limit_is_answered_when_the_server_accepts_the_brokers_packet_size() {
        String serverId = Fixtures.unique("srv");
        Target target = new Target(serverId, Fixtures.unique("lab/camera"));
        var config = McpMqttServerConfig.builder(
                        broker.connection().withMaxPacketBytes(1024 * 1024), target.serverName())
                .serverId(serverId)
                .maxPayloadBytes(16 * 1024)
                .build();
        try (RunningServer server = Fixtures.startServer(config, spec -> spec.tools(Fixtures.cameraTool(serverId)));
                RawPeer peer = rawClient(target)) {
            initialize(peer, target);
            char[] filler = new char[320 * 1024];
            Arrays.fill(filler, 'x');
            // ten times the default announced packet size of 16 KiB payloads (2 × 16 KiB + 64 KiB): silence before
            peer.publish(
                    target.rpc(peer.clientId()),
                    "{\"jsonrpc\":\"2.0\",\"id\":22,\"method\":\"tools/call\",\"params\":{\"name\":"
                            + "\"control_camera\",\"arguments\":{\"note\":\"" + new String(filler) + "\"}}}");

            Received rejected = peer.await(errorCode(-32600));
            assertThat((String) error(rejected).get("message")).contains("exceeds the maximum payload of 16384 bytes");
            assertServerAnswersPing(peer, target, 23);
        }
    }

    @Test
    void a_response_too_large_to_send_becomes_an_internal_error() {
        String serverId = Fixtures.unique("srv");
        String name = Fixtures.unique("lab/camera");
        var config = Fixtures.serverConfig(broker, name, serverId)
                .maxPayloadBytes(4 * 1024)
                .build();
        try (RunningServer server = Fixtures.startServer(
                config,
                spec -> spec.tools(Fixtures.tool("dump", (exchange, request) -> Fixtures.text("y".repeat(10_000)))))) {
            McpMqttClientConfig clientConfig = Fixtures.clientConfig(broker);
            try (McpSyncClient client =
                    Fixtures.client(McpMqttClientTransport.create(clientConfig, serverId, name), clientConfig)) {
                client.initialize();
                assertThatThrownBy(() -> client.callTool(new McpSchema.CallToolRequest("dump", Map.of())))
                        .isInstanceOf(McpError.class)
                        .hasMessageContaining("Response too large")
                        .satisfies(
                                e -> assertThat(((McpError) e).getJsonRpcError().code())
                                        .isEqualTo(McpSchema.ErrorCodes.INTERNAL_ERROR));
                client.ping();
            }
        }
    }

    @Test
    void a_request_larger_than_the_maximum_payload_fails_before_it_is_sent() {
        String serverId = Fixtures.unique("srv");
        String name = Fixtures.unique("lab/camera");
        try (RunningServer server = Fixtures.startCameraServer(broker, name, serverId)) {
            McpMqttClientConfig config = McpMqttClientConfig.builder(broker.connection())
                    .maxPayloadBytes(2048)
                    .build();
            try (McpSyncClient client =
                    Fixtures.client(McpMqttClientTransport.create(config, serverId, name), config)) {
                client.initialize();
                assertThatThrownBy(() -> client.callTool(new McpSchema.CallToolRequest(
                                "control_camera", Map.of("enabled", true, "note", "z".repeat(5000)))))
                        .isInstanceOf(McpMqttException.class)
                        .hasMessageContaining("exceeds the maximum payload of 2048 bytes")
                        .satisfies(e ->
                                assertThat(((McpMqttException) e).code()).isEqualTo(McpMqttException.INVALID_REQUEST));
                client.ping();
            }
        }
    }

    @Test
    void a_response_over_the_clients_limit_fails_the_call_at_once_not_after_its_timeout() {
        String serverId = Fixtures.unique("srv");
        String name = Fixtures.unique("lab/camera");
        // the server sends up to 1 MiB; the client reads 16 KiB (but the broker still delivers up to 96 KiB)
        try (RunningServer server = Fixtures.startServer(
                Fixtures.serverConfig(broker, name, serverId).build(),
                spec -> spec.tools(Fixtures.tool("dump", (exchange, request) -> Fixtures.text("y".repeat(40_000)))))) {
            McpMqttClientConfig config = McpMqttClientConfig.builder(broker.connection())
                    .maxPayloadBytes(16 * 1024)
                    .build();
            try (McpSyncClient client =
                    Fixtures.client(McpMqttClientTransport.create(config, serverId, name), config)) {
                client.initialize();
                long started = System.nanoTime();
                assertThatThrownBy(() -> client.callTool(new McpSchema.CallToolRequest("dump", Map.of())))
                        .isInstanceOf(McpError.class)
                        .hasMessageContaining("response of MCP server")
                        .hasMessageContaining("to 'tools/call' could not be read")
                        .hasMessageContaining("exceeds the maximum payload of 16384 bytes");
                assertThat(Duration.ofNanos(System.nanoTime() - started))
                        .as("well under the 60 s tools/call timeout")
                        .isLessThan(Duration.ofSeconds(20));
                client.ping(); // the session goes on
            }
        }
    }

    @Test
    void a_response_that_is_not_json_fails_the_call_at_once() throws InterruptedException {
        String serverId = Fixtures.unique("fake");
        String name = Fixtures.unique("lab/fake");
        try (RawPeer server = fakeServer(serverId, name)) {
            McpMqttClientConfig config = Fixtures.clientConfig(broker);
            var transport = McpMqttClientTransport.create(config, serverId, name);
            try (McpSyncClient client = Fixtures.client(transport, config)) {
                String clientId = initialize(client, transport, server, serverId, name);

                Thread answerer = Thread.ofVirtual().start(() -> {
                    Received ping = server.await(method("ping"));
                    server.publish(
                            "$mcp-rpc/" + clientId + "/" + serverId + "/" + name,
                            "{\"jsonrpc\":\"2.0\",\"id\":\"" + ping.json().get("id") + "\",\"result\":{");
                });
                long started = System.nanoTime();
                assertThatThrownBy(client::ping)
                        .isInstanceOf(McpError.class)
                        .hasMessageContaining("to 'ping' could not be read: Parse error")
                        .satisfies(
                                e -> assertThat(((McpError) e).getJsonRpcError().code())
                                        .isEqualTo(McpSchema.ErrorCodes.PARSE_ERROR));
                assertThat(Duration.ofNanos(System.nanoTime() - started))
                        .as("well under the 10 s ping timeout")
                        .isLessThan(Duration.ofSeconds(8));
                answerer.join(Duration.ofSeconds(10));
            }
        }
    }

    // ------------------------------------------------------------------ a hand-made server poking the client

    /** Announces itself, answers initialize, and otherwise only records. */
    private static RawPeer fakeServer(String serverId, String name) {
        RawPeer server = new RawPeer(broker.connection(), serverId, "mcp-server");
        server.subscribe("$mcp-server/" + serverId + "/" + name, false);
        server.subscribe("$mcp-rpc/+/" + serverId + "/" + name, true);
        server.subscribe("$mcp-client/presence/+", false);
        server.publish(
                "$mcp-server/presence/" + serverId + "/" + name,
                ("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/server/online\",\"params\":{\"server_name\":\"" + name
                                + "\",\"description\":\"fake\",\"meta\":{}}}")
                        .getBytes(StandardCharsets.UTF_8),
                true,
                true);
        return server;
    }

    /** Initializes the SDK client against the hand-made server; returns the client's MCP client id. */
    private static String initialize(
            McpSyncClient client, McpMqttClientTransport transport, RawPeer server, String serverId, String name) {
        Thread initializer = Thread.ofVirtual().start(client::initialize);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> transport.mcpClientId().isPresent());
        String clientId = transport.mcpClientId().get();
        answerInitialize(server, serverId, name, clientId);
        await().atMost(Duration.ofSeconds(10)).until(() -> !initializer.isAlive());
        return clientId;
    }

    private static void answerInitialize(RawPeer server, String serverId, String name, String clientId) {
        Received init = server.await(method("initialize"));
        Object id = init.json().get("id");
        String version = (String) ((Map<?, ?>) init.json().get("params")).get("protocolVersion");
        server.publish(
                "$mcp-rpc/" + clientId + "/" + serverId + "/" + name,
                "{\"jsonrpc\":\"2.0\",\"id\":\"" + id + "\",\"result\":{\"protocolVersion\":\"" + version
                        + "\",\"capabilities\":{},\"serverInfo\":{\"name\":\"fake\",\"version\":\"0\"}}}");
    }

    @Test
    void the_client_answers_malformed_server_messages_with_json_rpc_errors() {
        String serverId = Fixtures.unique("fake");
        String name = Fixtures.unique("lab/fake");
        try (RawPeer server = fakeServer(serverId, name)) {
            McpMqttClientConfig config = Fixtures.clientConfig(broker);
            var transport = McpMqttClientTransport.create(config, serverId, name);
            try (McpSyncClient client = Fixtures.client(transport, config)) {
                String clientId = initialize(client, transport, server, serverId, name);
                assertThat(client.isInitialized()).isTrue();
                String rpc = "$mcp-rpc/" + clientId + "/" + serverId + "/" + name;

                server.publish(rpc, "not json at all");
                Received parseError = server.await(errorCode(-32700));
                assertThat(parseError.topic()).isEqualTo(rpc);

                server.publish(rpc, "{\"jsonrpc\":\"2.0\",\"id\":\"s-1\"}");
                assertThat(error(server.await(withId("s-1"))).get("code")).isEqualTo(-32600);

                // the client still serves the server's requests
                server.publish(rpc, "{\"jsonrpc\":\"2.0\",\"id\":\"s-2\",\"method\":\"ping\"}");
                assertThat(server.await(withId("s-2")).json()).containsEntry("result", Map.of());
            }
        }
    }

    @Test
    void an_unanswered_ping_ends_the_client_connection() {
        String serverId = Fixtures.unique("fake");
        String name = Fixtures.unique("lab/fake");
        try (RawPeer server = fakeServer(serverId, name)) {
            McpMqttClientConfig config = McpMqttClientConfig.builder(broker.connection())
                    .timeouts(McpMqttTimeouts.defaults().withMethod("ping", Duration.ofSeconds(1)))
                    .build();
            var transport = McpMqttClientTransport.create(config, serverId, name);
            try (McpSyncClient client = Fixtures.client(transport, config)) {
                String clientId = initialize(client, transport, server, serverId, name);

                assertThatThrownBy(client::ping)
                        .isInstanceOf(McpError.class)
                        .hasMessageContaining("'ping' timed out")
                        .satisfies(
                                e -> assertThat(((McpError) e).getJsonRpcError().code())
                                        .isEqualTo(McpMqttException.REQUEST_TIMEOUT));

                // as the specification requires: notifications/disconnected on the presence topic, then disconnect
                Received bye = server.await(r -> r.topic().equals("$mcp-client/presence/" + clientId));
                assertThat(bye.json()).containsEntry("method", "notifications/disconnected");
                await().atMost(Duration.ofSeconds(10)).until(() -> !transport.isConnected());
                assertThatThrownBy(client::ping)
                        .isInstanceOf(McpMqttException.class)
                        .hasMessageContaining("did not answer ping within 1 s");
            }
        }
    }
}
