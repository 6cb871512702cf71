package dev.aichatroom.mcp.mqtt;

import static dev.aichatroom.mcp.mqtt.Fixtures.textOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aichatroom.mcp.mqtt.Fixtures.RunningServer;
import io.modelcontextprotocol.client.McpSyncClient;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A broker may suggest names in CONNACK user properties. Mosquitto does not, so a proxy adds them to its CONNACK.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BrokerSuggestionsIT extends MosquittoPerClass {

    @Test
    void server_uses_the_server_name_suggested_by_the_broker() {
        String serverId = Fixtures.unique("srv");
        String suggested = Fixtures.unique("assigned/by/broker");
        try (MqttWireProxy proxy = MqttWireProxy.to(broker);
                MqttObserver observer = MqttObserver.start(broker.connection())) {
            proxy.connackUserProperties(Map.of("MCP-SERVER-NAME", suggested));
            var config = McpMqttServerConfig.builder(proxy.connection(), "configured/name")
                    .serverId(serverId)
                    .build();
            try (RunningServer server =
                    Fixtures.startServer(config, spec -> spec.tools(Fixtures.cameraTool(serverId)))) {
                assertThat(server.provider().serverName()).isEqualTo(suggested);

                // the will must name the presence topic of the suggested name: the server connected again
                MqttWireProxy.ConnectPacket connect = proxy.lastConnectOf(serverId);
                assertThat(connect.willTopic()).isEqualTo("$mcp-server/presence/" + serverId + "/" + suggested);
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> !observer.on("$mcp-server/presence/" + serverId + "/" + suggested)
                                .isEmpty());
                assertThat(observer.matching(s -> s.topic().contains("configured/name")))
                        .isEmpty();

                McpMqttClientConfig clientConfig = Fixtures.clientConfig(broker, suggested);
                try (McpMqttServerDiscovery discovery = McpMqttServerDiscovery.create(clientConfig)) {
                    discovery.start().join();
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> discovery.server(serverId).isPresent());
                    try (McpSyncClient client = Fixtures.client(
                            discovery.transportFor(discovery.server(serverId).get()), clientConfig)) {
                        client.initialize();
                        assertThat(textOf(client.callTool(Fixtures.CAMERA_ON))).startsWith("Camera on");
                    }
                }
            }
        }
    }

    @Test
    void discovery_uses_the_filters_and_roles_suggested_by_the_broker() {
        String allowed = Fixtures.unique("allowed");
        String denied = Fixtures.unique("denied");
        String allowedId = Fixtures.unique("srv");
        try (MqttWireProxy proxy = MqttWireProxy.to(broker);
                RunningServer a = Fixtures.startCameraServer(broker, allowed + "/camera", allowedId);
                RunningServer d = Fixtures.startCameraServer(broker, denied + "/camera", Fixtures.unique("srv"))) {
            proxy.connackUserProperties(Map.of(
                    "MCP-SERVER-NAME-FILTERS", "[\"" + allowed + "/#\"]",
                    "MCP-RBAC", "[{\"server_name\":\"" + allowed + "/camera\",\"role_name\":\"viewer\"}]"));
            McpMqttClientConfig config = McpMqttClientConfig.builder(proxy.connection())
                    .serverNameFilters("#")
                    .build();
            try (McpMqttServerDiscovery discovery = McpMqttServerDiscovery.create(config)) {
                discovery.start().join();

                assertThat(discovery.serverNameFilters()).containsExactly(allowed + "/#");
                assertThat(discovery.rbacRoles()).containsExactly(Map.entry(allowed + "/camera", "viewer"));
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> discovery.server(allowedId).isPresent());
                await().during(Duration.ofMillis(300))
                        .atMost(Duration.ofSeconds(3))
                        .until(() -> discovery.servers().size() == 1);
            }
        }
    }

    @Test
    void discovery_reads_the_suggested_filters_again_on_every_connack() {
        String first = Fixtures.unique("first");
        String second = Fixtures.unique("second");
        String firstId = Fixtures.unique("srv");
        String secondId = Fixtures.unique("srv");
        try (MqttWireProxy proxy = MqttWireProxy.to(broker);
                RunningServer a = Fixtures.startCameraServer(broker, first + "/camera", firstId);
                RunningServer b = Fixtures.startCameraServer(broker, second + "/camera", secondId)) {
            proxy.connackUserProperties(Map.of("MCP-SERVER-NAME-FILTERS", "[\"" + first + "/#\"]"));
            McpMqttClientConfig config = McpMqttClientConfig.builder(proxy.connection())
                    .serverNameFilters("#")
                    .build();
            try (McpMqttServerDiscovery discovery = McpMqttServerDiscovery.create(config)) {
                discovery.start().join();
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> discovery.server(firstId).isPresent());
                assertThat(discovery.server(secondId)).isEmpty();

                // the broker suggests other filters on the next connection: the discovery follows them
                proxy.connackUserProperties(Map.of(
                        "MCP-SERVER-NAME-FILTERS", "[\"" + second + "/#\"]",
                        "MCP-RBAC", "[{\"server_name\":\"" + second + "/camera\",\"role_name\":\"admin\"}]"));
                proxy.cutAll();

                await().atMost(Duration.ofSeconds(20))
                        .until(() -> discovery.server(secondId).isPresent());
                assertThat(discovery.serverNameFilters()).containsExactly(second + "/#");
                assertThat(discovery.rbacRoles()).containsExactly(Map.entry(second + "/camera", "admin"));
                await().during(Duration.ofMillis(500))
                        .atMost(Duration.ofSeconds(5))
                        .until(() -> discovery.server(firstId).isEmpty());

                // no suggestion at all on the next connection: back to the configured filters
                proxy.connackUserProperties(Map.of());
                proxy.cutAll();
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> discovery.server(firstId).isPresent()
                                && discovery.server(secondId).isPresent());
                assertThat(discovery.serverNameFilters()).containsExactly("#");
                assertThat(discovery.rbacRoles()).isEmpty();
            }
        }
    }

    @Test
    void invalid_suggestions_are_ignored() {
        String name = Fixtures.unique("lab/camera");
        String serverId = Fixtures.unique("srv");
        try (MqttWireProxy proxy = MqttWireProxy.to(broker)) {
            proxy.connackUserProperties(Map.of(
                    "MCP-SERVER-NAME", "bad/+/name",
                    "MCP-SERVER-NAME-FILTERS", "not json"));
            var config = McpMqttServerConfig.builder(proxy.connection(), name)
                    .serverId(serverId)
                    .build();
            try (RunningServer server =
                            Fixtures.startServer(config, spec -> spec.tools(Fixtures.cameraTool(serverId)));
                    McpMqttServerDiscovery discovery =
                            McpMqttServerDiscovery.create(McpMqttClientConfig.builder(proxy.connection())
                                    .serverNameFilters(name)
                                    .build())) {
                assertThat(server.provider().serverName()).isEqualTo(name);
                discovery.start().join();
                assertThat(discovery.serverNameFilters()).containsExactly(name);
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> discovery.server(serverId).isPresent());
            }
        }
    }
}
