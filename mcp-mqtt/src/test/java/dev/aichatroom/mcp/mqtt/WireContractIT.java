package dev.aichatroom.mcp.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import dev.aichatroom.mcp.mqtt.Fixtures.RunningServer;
import dev.aichatroom.mcp.mqtt.MqttObserver.Seen;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;

/** Watches the raw MQTT traffic and checks it against the MCP over MQTT wire contract. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WireContractIT extends MosquittoPerClass {

    private static Map<String, Object> json(Seen seen) {
        return json(seen.payload());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(byte[] payload) {
        try {
            return McpJsonDefaults.getMapper().readValue(payload, Map.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void server_publishes_retained_presence_on_start() {
        String name = Fixtures.unique("lab/camera");
        String serverId = Fixtures.unique("srv");
        String presence = "$mcp-server/presence/" + serverId + "/" + name;
        try (MqttObserver live = MqttObserver.start(broker.connection());
                RunningServer server = Fixtures.startCameraServer(broker, name, serverId)) {
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !live.on(presence).isEmpty());
            Seen announced = live.on(presence).get(0);
            assertThat(announced.retain()).isTrue();
            assertThat(announced.qos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
            assertThat(announced.property("MCP-COMPONENT-TYPE")).isEqualTo("mcp-server");
            assertThat(announced.property("MCP-MQTT-CLIENT-ID")).isEqualTo(serverId);
            Map<String, Object> message = json(announced);
            assertThat(message.get("jsonrpc")).isEqualTo("2.0");
            assertThat(message.get("method")).isEqualTo("notifications/server/online");
            assertThat(message.containsKey("id")).isFalse();
            Map<?, ?> params = (Map<?, ?>) message.get("params");
            assertThat(params.get("server_name")).isEqualTo(name);
            assertThat(params.get("description")).isEqualTo("Test server " + name);
            assertThat(params.get("meta")).isEqualTo(Map.of("location", "lab"));

            // a late subscriber gets it as a retained message
            try (MqttObserver late = MqttObserver.start(broker.connection(), "$mcp-server/presence/+/" + name)) {
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> !late.on(presence).isEmpty());
                assertThat(late.on(presence).get(0).retain()).isTrue();
                assertThat(late.on(presence).get(0).text()).isEqualTo(announced.text());
            }
        }
    }

    @Test
    void a_session_uses_the_contract_topics_user_properties_and_qos_1() {
        String name = Fixtures.unique("lab/camera");
        String serverId = Fixtures.unique("srv");
        String clientId;
        try (MqttObserver observer = MqttObserver.start(broker.connection());
                RunningServer server = Fixtures.startCameraServer(broker, name, serverId)) {
            McpMqttClientConfig config = Fixtures.clientConfig(broker);
            var transport = McpMqttClientTransport.create(config, serverId, name);
            McpSyncClient client = Fixtures.client(transport, config);
            client.initialize();
            clientId = transport.mcpClientId().orElseThrow();
            client.listTools();
            client.callTool(Fixtures.CAMERA_ON);
            client.ping();
            client.closeGracefully();

            String control = "$mcp-server/" + serverId + "/" + name;
            String rpc = "$mcp-rpc/" + clientId + "/" + serverId + "/" + name;
            String clientPresence = "$mcp-client/presence/" + clientId;
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !observer.on(clientPresence).isEmpty());

            // initialize on the control topic, from the client
            assertThat(observer.on(control)).hasSize(1);
            Seen initialize = observer.on(control).get(0);
            assertThat(json(initialize).get("method")).isEqualTo("initialize");
            assertThat(initialize.property("MCP-MQTT-CLIENT-ID")).isEqualTo(clientId);
            assertThat(initialize.property("MCP-COMPONENT-TYPE")).isEqualTo("mcp-client");

            // everything after it on the RPC topic, both ways
            List<Seen> rpcTraffic = observer.on(rpc);
            List<Object> methods = rpcTraffic.stream()
                    .map(s -> json(s).get("method"))
                    .filter(m -> m != null)
                    .toList();
            assertThat(methods).containsSubsequence("notifications/initialized", "tools/list", "tools/call", "ping");
            Seen initializeResult = rpcTraffic.get(0);
            assertThat(json(initializeResult).get("id"))
                    .isEqualTo(json(initialize).get("id"));
            assertThat(json(initializeResult).get("result")).isNotNull();
            assertThat(initializeResult.property("MCP-MQTT-CLIENT-ID")).isEqualTo(serverId);
            assertThat(initializeResult.property("MCP-COMPONENT-TYPE")).isEqualTo("mcp-server");

            // on close: notifications/disconnected on the client's presence topic, not retained
            Seen bye = observer.on(clientPresence).get(0);
            assertThat(json(bye).get("method")).isEqualTo("notifications/disconnected");
            assertThat(bye.retain()).isFalse();

            // every PUBLISH of the session: QoS 1, component type and sender id matching the sender
            List<Seen> session = observer.matching(
                    s -> s.topic().contains(serverId) || s.topic().contains(clientId));
            assertThat(session).hasSizeGreaterThan(8);
            for (Seen s : session) {
                assertThat(s.qos()).as(s.topic()).isEqualTo(MqttQos.AT_LEAST_ONCE);
                String sender = s.property("MCP-MQTT-CLIENT-ID");
                assertThat(sender).as(s.topic()).isIn(serverId, clientId);
                assertThat(s.property("MCP-COMPONENT-TYPE"))
                        .as(s.topic())
                        .isEqualTo(sender.equals(serverId) ? "mcp-server" : "mcp-client");
            }
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(
                            () -> assertThat(server.provider().clientIds()).isEmpty());
        }
    }

    @Test
    void rpc_subscriptions_use_no_local_so_nobody_hears_itself() {
        String name = Fixtures.unique("lab/camera");
        String serverId = Fixtures.unique("srv");
        try (RunningServer server = Fixtures.startCameraServer(broker, name, serverId)) {
            McpMqttClientConfig config = Fixtures.clientConfig(broker);
            var transport = McpMqttClientTransport.create(config, serverId, name);
            try (McpSyncClient client = Fixtures.client(transport, config)) {
                client.initialize();
                for (int i = 0; i < 5; i++) {
                    client.callTool(new McpSchema.CallToolRequest("control_camera", Map.of("enabled", i % 2 == 0)));
                    client.ping();
                }
                String clientId = transport.mcpClientId().orElseThrow();
                String rpc = "$mcp-rpc/" + clientId + "/" + serverId + "/" + name;
                MqttConnection clientConnection = transport.connection().orElseThrow();
                MqttConnection serverConnection = server.provider().connection();

                assertThat(serverConnection.subscriptionLog()).contains(new MqttConnection.Subscription(rpc, true));
                assertThat(clientConnection.subscriptionLog()).contains(new MqttConnection.Subscription(rpc, true));
                assertThat(serverConnection.subscriptionLog())
                        .filteredOn(s -> !s.filter().startsWith("$mcp-rpc/"))
                        .allMatch(s -> !s.noLocal());
                // both publish on and subscribe to the same RPC topic: without No Local each would get its own
                // messages back
                assertThat(serverConnection.selfEchoes()).isZero();
                assertThat(clientConnection.selfEchoes()).isZero();
            }
        }
    }

    @Test
    void subscribe_packets_on_the_wire_ask_for_qos_1_and_no_local_on_rpc_topics() {
        String name = Fixtures.unique("lab/camera");
        String serverId = Fixtures.unique("srv");
        try (MqttWireProxy proxy = MqttWireProxy.to(broker)) {
            var serverConfig = McpMqttServerConfig.builder(proxy.connection(), name)
                    .serverId(serverId)
                    .build();
            McpMqttClientConfig config = McpMqttClientConfig.builder(proxy.connection())
                    .clientIdPrefix("wire-client")
                    .serverNameFilters(name)
                    .build();
            try (RunningServer server =
                            Fixtures.startServer(serverConfig, spec -> spec.tools(Fixtures.cameraTool(serverId)));
                    McpMqttServerDiscovery discovery = McpMqttServerDiscovery.create(config)) {
                discovery.start().join();
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> discovery.server(serverId).isPresent());
                var transport =
                        discovery.transportFor(discovery.server(serverId).get());
                try (McpSyncClient client = Fixtures.client(transport, config)) {
                    client.initialize();
                    client.callTool(Fixtures.CAMERA_ON);
                    String clientId = transport.mcpClientId().orElseThrow();
                    String rpc = "$mcp-rpc/" + clientId + "/" + serverId + "/" + name;

                    List<MqttWireProxy.SubscribeOption> subs = proxy.subscriptions();
                    // both parties subscribed to the RPC topic with No Local, as §5 requires
                    assertThat(subs)
                            .filteredOn(s -> s.filter().equals(rpc))
                            .extracting(MqttWireProxy.SubscribeOption::clientId)
                            .containsExactlyInAnyOrder(serverId, clientId);
                    assertThat(subs)
                            .filteredOn(s -> s.filter().startsWith("$mcp-rpc/"))
                            .allSatisfy(s ->
                                    assertThat(s.noLocal()).as(s.toString()).isTrue());
                    assertThat(subs)
                            .filteredOn(s -> !s.filter().startsWith("$mcp-rpc/"))
                            .isNotEmpty()
                            .allSatisfy(s ->
                                    assertThat(s.noLocal()).as(s.toString()).isFalse());
                    // QoS 1 on every SUBSCRIBE: server (control, client topics), client (server topics) and discovery
                    assertThat(subs)
                            .extracting(MqttWireProxy.SubscribeOption::filter)
                            .contains(
                                    "$mcp-server/" + serverId + "/" + name,
                                    "$mcp-server/presence/+/" + name,
                                    "$mcp-server/capability/" + serverId + "/" + name,
                                    "$mcp-client/presence/" + clientId,
                                    "$mcp-client/capability/" + clientId);
                    assertThat(subs)
                            .allSatisfy(
                                    s -> assertThat(s.qos()).as(s.toString()).isEqualTo(1));
                }
            }
        }
    }

    @Test
    void server_subscribes_to_the_client_topics_before_answering_initialize() {
        String name = Fixtures.unique("lab/camera");
        String serverId = Fixtures.unique("srv");
        try (RunningServer server = Fixtures.startCameraServer(broker, name, serverId)) {
            McpMqttClientConfig config = Fixtures.clientConfig(broker);
            var transport = McpMqttClientTransport.create(config, serverId, name);
            try (McpSyncClient client = Fixtures.client(transport, config)) {
                client.initialize();
                String clientId = transport.mcpClientId().orElseThrow();
                String rpc = "$mcp-rpc/" + clientId + "/" + serverId + "/" + name;

                await().atMost(Duration.ofSeconds(10))
                        .until(() ->
                                indexOf(broker.logLines(), "Received PUBLISH from " + serverId, "'" + rpc + "'") >= 0);
                List<String> log = broker.logLines();
                int answer = indexOf(log, "Received PUBLISH from " + serverId, "'" + rpc + "'");
                SubscribeBlock block = subscribeBlocks(log).stream()
                        .filter(b ->
                                b.clientId().equals(serverId) && b.filters().contains(rpc))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError("no SUBSCRIBE of " + rpc + " by the server"));
                assertThat(block.filters())
                        .containsExactlyInAnyOrder(
                                "$mcp-client/capability/" + clientId, "$mcp-client/presence/" + clientId, rpc);
                assertThat(block.subackLine())
                        .as("SUBACK before the initialize answer")
                        .isLessThan(answer);
            }
        }
    }

    @Test
    void roots_list_changed_right_after_initialize_reaches_the_server_on_the_client_capability_topic() {
        String name = Fixtures.unique("lab/files");
        String serverId = Fixtures.unique("srv");
        List<List<String>> rootsSeenByServer = new CopyOnWriteArrayList<>();
        var serverConfig = Fixtures.serverConfig(broker, name, serverId).build();
        try (MqttObserver observer = MqttObserver.start(broker.connection());
                RunningServer server = Fixtures.startServer(
                        serverConfig,
                        spec -> spec.tools(Fixtures.cameraTool(serverId))
                                .rootsChangeHandler((exchange, roots) -> rootsSeenByServer.add(
                                        roots.stream().map(McpSchema.Root::uri).toList())))) {
            McpMqttClientConfig config = Fixtures.clientConfig(broker);
            var transport = McpMqttClientTransport.create(config, serverId, name);
            try (McpSyncClient client = Fixtures.client(
                    transport,
                    config,
                    spec -> spec.capabilities(McpSchema.ClientCapabilities.builder()
                                    .roots(true)
                                    .build())
                            .roots(new McpSchema.Root("file:///data", "data")))) {
                client.initialize();
                client.addRoot(new McpSchema.Root("file:///logs", "logs"));

                await().atMost(Duration.ofSeconds(10))
                        .untilAsserted(() -> assertThat(rootsSeenByServer)
                                .anySatisfy(roots ->
                                        assertThat(roots).containsExactlyInAnyOrder("file:///data", "file:///logs")));
                String capability =
                        "$mcp-client/capability/" + transport.mcpClientId().orElseThrow();
                assertThat(observer.on(capability))
                        .extracting(s -> json(s).get("method"))
                        .contains("notifications/roots/list_changed");
            }
        }
    }

    @Test
    void tools_list_changed_is_broadcast_on_the_server_capability_topic() {
        String name = Fixtures.unique("lab/camera");
        String serverId = Fixtures.unique("srv");
        try (MqttObserver observer = MqttObserver.start(broker.connection());
                RunningServer server = Fixtures.startCameraServer(broker, name, serverId)) {
            McpMqttClientConfig config = Fixtures.clientConfig(broker);
            try (McpSyncClient client =
                    Fixtures.client(McpMqttClientTransport.create(config, serverId, name), config)) {
                client.initialize();
                server.server().addTool(Fixtures.tool("zoom", (exchange, request) -> Fixtures.text("zoomed")));

                String capability = "$mcp-server/capability/" + serverId + "/" + name;
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> !observer.on(capability).isEmpty());
                Seen changed = observer.on(capability).get(0);
                assertThat(json(changed).get("method")).isEqualTo("notifications/tools/list_changed");
                assertThat(changed.property("MCP-COMPONENT-TYPE")).isEqualTo("mcp-server");
                assertThat(changed.retain()).isFalse();
            }
        }
    }

    @Test
    void resources_updated_goes_once_on_the_server_capability_topic_and_reaches_subscribed_clients() {
        String name = Fixtures.unique("lab/files");
        String serverId = Fixtures.unique("srv");
        String uri = "file:///lab/status.txt";
        var resource = new McpServerFeatures.SyncResourceSpecification(
                McpSchema.Resource.builder().uri(uri).name("status").build(),
                (exchange, request) -> new McpSchema.ReadResourceResult(
                        List.of(new McpSchema.TextResourceContents(uri, "text/plain", "ok"))));
        try (MqttObserver observer = MqttObserver.start(broker.connection());
                RunningServer server = Fixtures.startServer(
                        Fixtures.serverConfig(broker, name, serverId).build(),
                        spec -> spec.capabilities(McpSchema.ServerCapabilities.builder()
                                        .resources(true, false)
                                        .build())
                                .resources(resource))) {
            McpMqttClientConfig config = Fixtures.clientConfig(broker);
            List<List<McpSchema.ResourceContents>> updatesA = new CopyOnWriteArrayList<>();
            List<List<McpSchema.ResourceContents>> updatesB = new CopyOnWriteArrayList<>();
            try (McpSyncClient a = Fixtures.client(
                            McpMqttClientTransport.create(config, serverId, name),
                            config,
                            spec -> spec.resourcesUpdateConsumer(updatesA::add));
                    McpSyncClient b = Fixtures.client(
                            McpMqttClientTransport.create(config, serverId, name),
                            config,
                            spec -> spec.resourcesUpdateConsumer(updatesB::add))) {
                a.initialize();
                b.initialize();
                a.subscribeResource(new McpSchema.SubscribeRequest(uri));
                b.subscribeResource(new McpSchema.SubscribeRequest(uri));

                server.server().notifyResourcesUpdated(new McpSchema.ResourcesUpdatedNotification(uri));

                await().atMost(Duration.ofSeconds(10)).until(() -> !updatesA.isEmpty() && !updatesB.isEmpty());
                String capability = "$mcp-server/capability/" + serverId + "/" + name;
                List<Seen> updates = observer.matching(s ->
                        new String(s.payload(), StandardCharsets.UTF_8).contains("notifications/resources/updated"));
                assertThat(updates).extracting(Seen::topic).containsExactly(capability);
                assertThat(((Map<?, ?>) json(updates.get(0)).get("params")).get("uri"))
                        .isEqualTo(uri);
                assertThat(updates.get(0).qos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
                assertThat(updates.get(0).property("MCP-MQTT-CLIENT-ID")).isEqualTo(serverId);
            }
        }
    }

    @Test
    void connect_packets_carry_mcp_user_properties_session_expiry_zero_and_wills() {
        String name = Fixtures.unique("lab/camera");
        String serverId = Fixtures.unique("srv");
        try (MqttWireProxy proxy = MqttWireProxy.to(broker)) {
            var serverConfig = McpMqttServerConfig.builder(proxy.connection(), name)
                    .serverId(serverId)
                    .meta(Map.of("version", "1.2.3"))
                    .build();
            try (RunningServer server =
                    Fixtures.startServer(serverConfig, spec -> spec.tools(Fixtures.cameraTool(serverId)))) {
                MqttWireProxy.ConnectPacket s = proxy.lastConnectOf(serverId);
                assertThat(s.userProperty("MCP-COMPONENT-TYPE")).isEqualTo("mcp-server");
                assertThat(json(s.userProperty("MCP-META").getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                        .isEqualTo(Map.of("version", "1.2.3"));
                assertThat(s.sessionExpiry()).as("absent means 0").isIn(null, 0L);
                assertThat(s.cleanStart()).isTrue();
                assertThat(s.willTopic()).isEqualTo("$mcp-server/presence/" + serverId + "/" + name);
                assertThat(s.willPayload()).isEmpty();
                assertThat(s.willRetain()).isTrue();
                assertThat(s.willQos()).isEqualTo(1);
                assertThat(s.willUserProperty("MCP-COMPONENT-TYPE")).isEqualTo("mcp-server");
                assertThat(s.willUserProperty("MCP-MQTT-CLIENT-ID")).isEqualTo(serverId);

                McpMqttClientConfig config = McpMqttClientConfig.builder(proxy.connection())
                        .meta(Map.of("app", "chatroom"))
                        .build();
                var transport = McpMqttClientTransport.create(config, serverId, name);
                try (McpSyncClient client = Fixtures.client(transport, config)) {
                    client.initialize();
                    String clientId = transport.mcpClientId().orElseThrow();
                    MqttWireProxy.ConnectPacket c = proxy.lastConnectOf(clientId);
                    assertThat(c.userProperty("MCP-COMPONENT-TYPE")).isEqualTo("mcp-client");
                    assertThat(json(c.userProperty("MCP-META").getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                            .isEqualTo(Map.of("app", "chatroom"));
                    assertThat(c.sessionExpiry()).isIn(null, 0L);
                    assertThat(c.willTopic()).isEqualTo("$mcp-client/presence/" + clientId);
                    assertThat(json(c.willPayload()))
                            .isEqualTo(Map.of("jsonrpc", "2.0", "method", "notifications/disconnected"));
                    assertThat(c.willRetain()).isFalse();
                    assertThat(c.willQos()).isEqualTo(1);
                    assertThat(c.willUserProperty("MCP-MQTT-CLIENT-ID")).isEqualTo(clientId);
                }
            }
        }
    }

    @Test
    void every_connect_uses_a_fresh_mcp_client_id() {
        String name = Fixtures.unique("lab/camera");
        String serverId = Fixtures.unique("srv");
        try (MqttObserver observer = MqttObserver.start(broker.connection());
                RunningServer server = Fixtures.startCameraServer(broker, name, serverId)) {
            var transport = McpMqttClientTransport.create(Fixtures.clientConfig(broker), serverId, name);
            transport.connect(m -> m).block(Duration.ofSeconds(10));
            String first = transport.mcpClientId().orElseThrow();
            transport.connect(m -> m).block(Duration.ofSeconds(10));
            String second = transport.mcpClientId().orElseThrow();

            assertThat(second).isNotEqualTo(first);
            assertThat(Wire.isValidId(second)).isTrue();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !observer.on("$mcp-client/presence/" + first).isEmpty());
            transport.closeGracefully().block(Duration.ofSeconds(10));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !observer.on("$mcp-client/presence/" + second).isEmpty());
            assertThat(transport
                            .connect(m -> m)
                            .onErrorResume(e -> Mono.empty())
                            .block(Duration.ofSeconds(10)))
                    .isNull();
        }
    }

    @Test
    void graceful_stop_clears_the_retained_presence_before_disconnecting() {
        String name = Fixtures.unique("lab/camera");
        String serverId = Fixtures.unique("srv");
        String presence = "$mcp-server/presence/" + serverId + "/" + name;
        try (MqttObserver observer = MqttObserver.start(broker.connection())) {
            RunningServer server = Fixtures.startCameraServer(broker, name, serverId);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> observer.on(presence).size() == 1);

            server.close();

            await().atMost(Duration.ofSeconds(10))
                    .until(() -> observer.on(presence).size() == 2);
            Seen cleared = observer.on(presence).get(1);
            assertThat(cleared.payload()).isEmpty();
            assertThat(cleared.retain()).isTrue();
            assertThat(cleared.property("MCP-MQTT-CLIENT-ID")).isEqualTo(serverId);

            await().atMost(Duration.ofSeconds(10))
                    .until(() -> indexOf(broker.logLines(), "Received DISCONNECT from " + serverId, "") >= 0);
            List<String> log = broker.logLines();
            int clear = indexOf(log, "Received PUBLISH from " + serverId, "'" + presence + "', ... (0 bytes)");
            int disconnect = indexOf(log, "Received DISCONNECT from " + serverId, "");
            assertThat(clear).isNotNegative().isLessThan(disconnect);

            // nothing retained any more
            try (MqttObserver late = MqttObserver.start(broker.connection(), presence)) {
                await().during(Duration.ofMillis(500))
                        .atMost(Duration.ofSeconds(2))
                        .until(() -> late.on(presence).isEmpty());
            }
        }
    }

    record SubscribeBlock(String clientId, List<String> filters, int subackLine) {}

    /** Parses Mosquitto's debug log: "Received SUBSCRIBE from X", a tab-indented filter per line, "Sending SUBACK". */
    private static List<SubscribeBlock> subscribeBlocks(List<String> lines) {
        List<SubscribeBlock> blocks = new java.util.ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            int at = lines.get(i).indexOf("Received SUBSCRIBE from ");
            if (at < 0) {
                continue;
            }
            String clientId = lines.get(i)
                    .substring(at + "Received SUBSCRIBE from ".length())
                    .trim();
            List<String> filters = new java.util.ArrayList<>();
            for (int j = i + 1; j < lines.size(); j++) {
                String line = lines.get(j);
                int tab = line.indexOf('\t');
                if (tab >= 0) {
                    filters.add(line.substring(tab + 1, line.lastIndexOf(" (QoS")));
                } else if (line.contains("Sending SUBACK to " + clientId)) {
                    blocks.add(new SubscribeBlock(clientId, filters, j));
                    break;
                }
            }
        }
        return blocks;
    }

    private static int indexOf(List<String> lines, String part1, String part2) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(part1) && lines.get(i).contains(part2)) {
                return i;
            }
        }
        return -1;
    }
}
