package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aichatroom.mcp.mqtt.DiscoveredServer;
import dev.aichatroom.mcp.mqtt.McpMqttClientConfig;
import dev.aichatroom.mcp.mqtt.McpMqttServerDiscovery;
import dev.aichatroom.mcp.mqtt.MqttConnectionConfig;
import dev.aichatroom.mqtt.Json;
import dev.aichatroom.testing.Mosquitto;
import dev.aichatroom.testing.ScaleOutFixture;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Two instances of the product share one Mosquitto and one PostgreSQL (docs/deployment.md): {@code CHAT_SHARED_GROUP}
 * makes each input reach one of them, members live in the store, and each offers the room as an MCP server. Needs {@code TEST_POSTGRES_URL} like
 * {@code PostgresMessageStoreIT}; runs in a schema of its own.
 */
@Timeout(120)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScaleOutIT {
    private static final int N = 200;

    private static ScaleOutFixture instances;
    private static Mosquitto mosquitto;
    private static TestProduct a;
    private static TestProduct b;
    private static TestMqtt observer;
    private static TestMqtt device;

    @BeforeAll
    static void start() throws SQLException {
        instances = ScaleOutFixture.create("scaleout");
        mosquitto = Mosquitto.start(true);
        a = instance("scale-a");
        b = instance("scale-b");
        observer = TestMqtt.connect(mosquitto.port(), "scale-observer").subscribe("chatroom/messages/out");
        device = TestMqtt.connect(mosquitto.port(), "scale-device");
    }

    private static TestProduct instance(String clientId) {
        return instances.start(
                clientId,
                mosquitto.port(),
                Map.of("CHAT_RATE_PER_MINUTE", "0", "VOICE_ENABLE", "false", "AI_PROVIDER", "none"));
    }

    @AfterAll
    static void stop() {
        ScaleOutFixture.closeAll(device, observer, instances, mosquitto);
    }

    private static long storedWithPrefix(String prefix) throws SQLException {
        return instances.count("messages", "content LIKE ?", prefix + "%");
    }

    private static long received(TestProduct product) {
        JsonNode status = Json.tree(product.get("/mqtt/status").body().getBytes(StandardCharsets.UTF_8))
                .orElseThrow();
        return status.path("mqtt_status").path("messages_received").asLong();
    }

    /** Publishes {@code count} messages with texts prefix0 … and returns the texts. */
    private static List<String> send(String prefix, int count) {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String text = prefix + i;
            texts.add(text);
            device.publish(
                    "chatroom/messages/in",
                    "{\"client_id\":\"dev-" + i % 7 + "\",\"username\":\"设备" + i % 7 + "\",\"message\":\"" + text
                            + "\"}");
        }
        return texts;
    }

    /** Waits until every text came out on messages/out, then checks each came out exactly once. */
    private static void awaitEachOnce(String prefix, List<String> texts) {
        Awaitility.await()
                .atMost(Duration.ofSeconds(20))
                .until(() -> outputs(prefix).size() >= texts.size());
        List<String> out = outputs(prefix);
        assertThat(out).hasSize(texts.size());
        assertThat(Set.copyOf(out)).containsExactlyInAnyOrderElementsOf(texts);
    }

    private static List<String> outputs(String prefix) {
        return observer.on("chatroom/messages/out").stream()
                .map(r -> r.json().path("content").asText())
                .filter(t -> t.startsWith(prefix))
                .toList();
    }

    private static void join(TestMqtt from, String clientId) {
        from.publish("chatroom/users/join", "{\"client_id\":\"" + clientId + "\",\"username\":\"" + clientId + "\"}");
    }

    private static void leave(TestMqtt from, String clientId) {
        from.publish("chatroom/users/leave", "{\"client_id\":\"" + clientId + "\"}");
    }

    /** Sends the first half of {@code ids} from {@code device} and the second from {@code second}, at the same time. */
    private static void fromBoth(
            TestMqtt second, List<String> ids, java.util.function.BiConsumer<TestMqtt, String> action)
            throws InterruptedException {
        int half = ids.size() / 2;
        Thread other =
                Thread.ofVirtual().start(() -> ids.subList(half, ids.size()).forEach(id -> action.accept(second, id)));
        ids.subList(0, half).forEach(id -> action.accept(device, id));
        other.join();
    }

    /** The member list a client subscribing now gets (retained), as client ids. */
    private static List<String> retainedMembers() {
        try (TestMqtt late = TestMqtt.connect(mosquitto.port(), "scale-late-" + UUID.randomUUID())
                .subscribe("chatroom/users/online")) {
            JsonNode list = late.await("chatroom/users/online", r -> r.retain(), Duration.ofSeconds(5))
                    .json();
            List<String> ids = new ArrayList<>();
            list.path("users").forEach(u -> ids.add(u.path("client_id").asText()));
            return ids;
        }
    }

    @Test
    @Order(1)
    void each_input_comes_out_once_and_both_instances_take_a_share() throws SQLException {
        long aBefore = received(a);
        long bBefore = received(b);
        List<String> texts = send("share-", N);
        awaitEachOnce("share-", texts);
        assertThat(received(a) - aBefore).as("inputs instance a consumed").isPositive();
        assertThat(received(b) - bBefore).as("inputs instance b consumed").isPositive();
        assertThat(received(a) - aBefore + received(b) - bBefore).isEqualTo(N);
        assertThat(storedWithPrefix("share-")).isEqualTo(N);
    }

    @Test
    @Order(2)
    void members_joined_through_either_instance_share_one_list_and_a_leave_removes_one() {
        long aBefore = received(a);
        long bBefore = received(b);
        List<String> users = IntStream.range(0, 10).mapToObj(i -> "member-" + i).toList();
        for (String user : users) {
            join(device, user);
        }
        Awaitility.await()
                .atMost(Duration.ofSeconds(15))
                .until(() -> received(a) + received(b) - aBefore - bBefore >= users.size());
        assertThat(received(a) - aBefore).as("joins instance a handled").isPositive();
        assertThat(received(b) - bBefore).as("joins instance b handled").isPositive();
        Awaitility.await()
                .atMost(Duration.ofSeconds(15))
                // a late subscriber that comes before the first list is published gets no retained one: ask again
                .ignoreExceptionsInstanceOf(org.awaitility.core.ConditionTimeoutException.class)
                .untilAsserted(() -> assertThat(retainedMembers()).containsExactlyInAnyOrderElementsOf(users));

        leave(device, "member-3");
        List<String> remaining =
                users.stream().filter(u -> !u.equals("member-3")).collect(Collectors.toList());
        Awaitility.await()
                .atMost(Duration.ofSeconds(15))
                // a late subscriber that comes before the first list is published gets no retained one: ask again
                .ignoreExceptionsInstanceOf(org.awaitility.core.ConditionTimeoutException.class)
                .untilAsserted(() -> assertThat(retainedMembers()).containsExactlyInAnyOrderElementsOf(remaining));
        assertThat(a.get("/mqtt/status").body()).contains("member-9").doesNotContain("member-3");
        assertThat(b.get("/mqtt/status").body()).contains("member-9").doesNotContain("member-3");
    }

    @Test
    @Order(3)
    void a_burst_of_joins_and_leaves_over_both_instances_leaves_the_retained_list_equal_to_the_stored_one()
            throws Exception {
        List<String> before = retainedMembers();
        List<String> burst = IntStream.range(0, 40).mapToObj(i -> "burst-" + i).toList();
        long handledBefore = received(a) + received(b);
        try (TestMqtt second = TestMqtt.connect(mosquitto.port(), "scale-device-2")) {
            // two publishers at once, so both instances change the room at the same time
            fromBoth(second, burst, ScaleOutIT::join);
            Awaitility.await()
                    .atMost(Duration.ofSeconds(20))
                    .until(() -> received(a) + received(b) - handledBefore >= burst.size());
            // received is not handled: a leave taken by one instance before the other handled the join is a no-op
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> stored().containsAll(burst));
            List<String> leaving =
                    burst.stream().filter(u -> u.hashCode() % 2 == 0).toList();
            fromBoth(second, leaving, ScaleOutIT::leave);
            List<String> expected = new ArrayList<>(before);
            burst.stream().filter(u -> !leaving.contains(u)).forEach(expected::add);
            Awaitility.await()
                    .atMost(Duration.ofSeconds(20))
                    // a late subscriber that comes before the first list is published gets no retained one: ask again
                    .ignoreExceptionsInstanceOf(org.awaitility.core.ConditionTimeoutException.class)
                    .untilAsserted(() -> assertThat(retainedMembers()).containsExactlyInAnyOrderElementsOf(expected));
            assertThat(stored()).containsExactlyInAnyOrderElementsOf(expected);
        }
    }

    /** The members of the default room in the store. */
    private static List<String> stored() throws SQLException {
        try (Connection c = instances.db();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT client_id FROM " + instances.table("room_members") + " WHERE room = 'main'")) {
            List<String> stored = new ArrayList<>();
            while (rs.next()) {
                stored.add(rs.getString(1));
            }
            return stored;
        }
    }

    @Test
    @Order(4)
    void each_instance_offers_the_room_over_mcp_and_either_one_serves_the_same_room() {
        McpMqttClientConfig config = McpMqttClientConfig.builder(MqttConnectionConfig.of("127.0.0.1", mosquitto.port()))
                .clientIdPrefix("scale-agent")
                .serverNameFilters("ai-chatroom/#")
                .build();
        try (McpMqttServerDiscovery discovery = McpMqttServerDiscovery.create(config)) {
            discovery.start().join();
            Awaitility.await()
                    .atMost(Duration.ofSeconds(15))
                    .until(() -> discovery.servers("ai-chatroom/main").size() == 2);
            List<String> sent = new ArrayList<>();
            for (DiscoveredServer server : discovery.servers("ai-chatroom/main")) {
                try (McpSyncClient agent = McpClient.sync(discovery.transportFor(server))
                        .clientInfo(McpSchema.Implementation.builder("scale-agent", "1.0.0")
                                .build())
                        .requestTimeout(config.timeouts().sdkRequestTimeout())
                        .initializationTimeout(config.timeouts().sdkInitializationTimeout())
                        .build()) {
                    agent.initialize();
                    McpSchema.CallToolResult result = agent.callTool(McpSchema.CallToolRequest.builder("send_message")
                            .arguments(Map.of("text", "via " + server.serverId(), "username", "agent"))
                            .build());
                    assertThat(result.isError()).isFalse();
                    sent.add(Json.tree(text(result).getBytes(StandardCharsets.UTF_8))
                            .orElseThrow()
                            .path("message_id")
                            .asText());
                    Awaitility.await()
                            .atMost(Duration.ofSeconds(10))
                            .until(() -> historyIds(agent).containsAll(sent));
                }
            }
            // one message through each instance's server: each published once, and each instance's history has
            // every message sent so far, whichever instance stored it
            assertThat(sent).hasSize(2).doesNotHaveDuplicates();
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(observer.on("chatroom/messages/out").stream()
                                    .map(r -> r.json().path("message_id").asText())
                                    .filter(sent::contains))
                            .containsExactlyInAnyOrderElementsOf(sent));
        }
    }

    private static List<String> historyIds(McpSyncClient agent) {
        JsonNode history = Json.tree(text(agent.callTool(McpSchema.CallToolRequest.builder("get_history")
                                .arguments(Map.of("limit", 20))
                                .build()))
                        .getBytes(StandardCharsets.UTF_8))
                .orElseThrow();
        List<String> ids = new ArrayList<>();
        history.path("messages").forEach(m -> ids.add(m.path("message_id").asText()));
        return ids;
    }

    private static String text(McpSchema.CallToolResult result) {
        return ((McpSchema.TextContent) result.content().getFirst()).text();
    }

    @Test
    @Order(5)
    void inputs_published_while_one_instance_is_stopped_are_handled_by_the_other() throws SQLException {
        a.stop();
        long bBefore = received(b);
        List<String> texts = send("alone-", 50);
        awaitEachOnce("alone-", texts);
        assertThat(received(b) - bBefore).isEqualTo(50);
        assertThat(storedWithPrefix("alone-")).isEqualTo(50);
    }
}
