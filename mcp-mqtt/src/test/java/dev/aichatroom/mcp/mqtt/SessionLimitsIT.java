package dev.aichatroom.mcp.mqtt;

import static dev.aichatroom.mcp.mqtt.RawPeer.method;
import static dev.aichatroom.mcp.mqtt.RawPeer.withId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.aichatroom.mcp.mqtt.Fixtures.RunningServer;
import dev.aichatroom.mcp.mqtt.RawPeer.Received;
import io.modelcontextprotocol.client.McpSyncClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A server keeps a session (and three subscriptions) per {@code initialize}: sessions are capped, and a session whose
 * client never sends {@code notifications/initialized} ends after the initialize timeout.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SessionLimitsIT extends MosquittoPerClass {

    private static final String INITIALIZE = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
            + "\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
            + "\"clientInfo\":{\"name\":\"raw\",\"version\":\"0\"}}}";
    private static final String INITIALIZED = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}";

    private static String control(String serverId, String name) {
        return "$mcp-server/" + serverId + "/" + name;
    }

    private static String rpc(String clientId, String serverId, String name) {
        return "$mcp-rpc/" + clientId + "/" + serverId + "/" + name;
    }

    /** A raw client that sent initialize and got its result; {@code finish} also sends notifications/initialized. */
    private static RawPeer initialize(String serverId, String name, boolean finish) {
        RawPeer peer = new RawPeer(broker.connection(), Fixtures.unique("raw-client"), "mcp-client");
        String rpc = rpc(peer.clientId(), serverId, name);
        peer.subscribe(rpc, true);
        peer.publish(control(serverId, name), INITIALIZE);
        assertThat(peer.await(withId(1)).json()).containsKey("result");
        if (finish) {
            peer.publish(rpc, INITIALIZED);
        }
        return peer;
    }

    @Test
    void a_session_that_never_sends_initialized_ends_after_the_initialize_timeout_and_frees_its_subscriptions() {
        String serverId = Fixtures.unique("srv");
        String name = Fixtures.unique("lab/camera");
        var config = Fixtures.serverConfig(broker, name, serverId)
                .timeouts(McpMqttTimeouts.defaults().withMethod("initialize", Duration.ofSeconds(5)))
                .build();
        // 5 s: the second client must finish initializing within it, and the first be seen before it runs out, on a
        // loaded CI machine too (1 s ran out before the first assertion there)
        try (RunningServer server = Fixtures.startServer(config, spec -> spec.tools(Fixtures.cameraTool(serverId)));
                RawPeer stalled = initialize(serverId, name, false);
                RawPeer finished = initialize(serverId, name, true)) {
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> !server.provider().clientIds().contains(stalled.clientId()));
            String stalledRpc = rpc(stalled.clientId(), serverId, name);
            // the server tells the client and lets go of the client's three topics
            Received bye = stalled.await(method("notifications/disconnected"));
            assertThat(bye.topic()).isEqualTo(stalledRpc);
            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(
                            () -> assertThat(server.provider().connection().unsubscriptionLog())
                                    .contains(
                                            stalledRpc,
                                            "$mcp-client/presence/" + stalled.clientId(),
                                            "$mcp-client/capability/" + stalled.clientId()));

            // the client that finished initializing keeps its session
            assertThat(server.provider().clientIds()).contains(finished.clientId());
            assertThat(server.provider().connection().unsubscriptionLog())
                    .noneMatch(f -> f.contains(finished.clientId()));
            String finishedRpc = rpc(finished.clientId(), serverId, name);
            finished.publish(finishedRpc, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\"}");
            assertThat(finished.await(withId(7)).json()).containsEntry("result", Map.of());
        }
    }

    @Test
    void initialize_beyond_the_session_cap_gets_an_error_on_the_clients_rpc_topic() {
        String serverId = Fixtures.unique("srv");
        String name = Fixtures.unique("lab/camera");
        var config =
                Fixtures.serverConfig(broker, name, serverId).maxSessions(2).build();
        try (RunningServer server = Fixtures.startServer(config, spec -> spec.tools(Fixtures.cameraTool(serverId)));
                RawPeer a = initialize(serverId, name, true);
                RawPeer b = initialize(serverId, name, true);
                RawPeer c = new RawPeer(broker.connection(), Fixtures.unique("raw-client"), "mcp-client")) {
            String cRpc = rpc(c.clientId(), serverId, name);
            c.subscribe(cRpc, true);
            c.publish(control(serverId, name), INITIALIZE);

            Received refused = c.await(withId(1));
            assertThat(refused.topic()).isEqualTo(cRpc);
            Map<?, ?> error = (Map<?, ?>) refused.json().get("error");
            assertThat(error.get("code")).isEqualTo(McpMqttException.SERVER_BUSY);
            assertThat((String) error.get("message")).contains("busy");
            assertThat(server.provider().clientIds()).containsExactlyInAnyOrder(a.clientId(), b.clientId());
            assertThat(server.provider().connection().subscriptionLog())
                    .noneMatch(s -> s.filter().contains(c.clientId()));

            // a client that leaves makes room
            a.publish(
                    "$mcp-client/presence/" + a.clientId(),
                    "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/disconnected\"}");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !server.provider().clientIds().contains(a.clientId()));
            c.publish(control(serverId, name), INITIALIZE.replace("\"id\":1", "\"id\":2"));
            assertThat(c.await(withId(2)).json()).containsKey("result");
        }
    }

    @Test
    void forged_client_ids_cannot_pile_up_sessions() {
        String serverId = Fixtures.unique("srv");
        String name = Fixtures.unique("lab/camera");
        var config = Fixtures.serverConfig(broker, name, serverId)
                .maxSessions(3)
                .timeouts(McpMqttTimeouts.defaults().withMethod("initialize", Duration.ofSeconds(1)))
                .build();
        try (RunningServer server = Fixtures.startServer(config, spec -> spec.tools(Fixtures.cameraTool(serverId)));
                RawPeer attacker = new RawPeer(broker.connection(), Fixtures.unique("attacker"), "mcp-client")) {
            List<String> forged = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                String id = Fixtures.unique("forged" + i);
                forged.add(id);
                attacker.publishAs(id, control(serverId, name), INITIALIZE);
                assertThat(server.provider().clientIds().size()).isLessThanOrEqualTo(3);
            }
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> server.provider().clientIds().size() == 3);
            await().during(Duration.ofMillis(300))
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> server.provider().clientIds().size() <= 3);
            // none of them finishes initializing: all gone after the initialize timeout
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> server.provider().clientIds().isEmpty());

            // a real client gets in afterwards
            McpMqttClientConfig clientConfig = Fixtures.clientConfig(broker);
            try (McpSyncClient client =
                    Fixtures.client(McpMqttClientTransport.create(clientConfig, serverId, name), clientConfig)) {
                client.initialize();
                client.ping();
            }
        }
    }

    @Test
    void the_sdk_client_sees_a_refused_initialize_as_an_error() {
        String serverId = Fixtures.unique("srv");
        String name = Fixtures.unique("lab/camera");
        var config =
                Fixtures.serverConfig(broker, name, serverId).maxSessions(1).build();
        try (RunningServer server = Fixtures.startServer(config, spec -> spec.tools(Fixtures.cameraTool(serverId)));
                RawPeer first = initialize(serverId, name, true)) {
            McpMqttClientConfig clientConfig = Fixtures.clientConfig(broker);
            long started = System.nanoTime();
            try (McpSyncClient client =
                    Fixtures.client(McpMqttClientTransport.create(clientConfig, serverId, name), clientConfig)) {
                assertThatThrownBy(client::initialize).hasStackTraceContaining("busy");
            }
            // refused at once, not after the 30 s initialize timeout
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
            assertThat(server.provider().clientIds()).containsExactly(first.clientId());
        }
    }
}
