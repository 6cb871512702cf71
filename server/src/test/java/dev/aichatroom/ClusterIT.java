package dev.aichatroom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aichatroom.ai.FakeOpenAi;
import dev.aichatroom.mcp.TestPage;
import dev.aichatroom.mqtt.Json;
import dev.aichatroom.testing.ArtemisCluster;
import dev.aichatroom.testing.ScaleOutFixture;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Two instances of the product on a real two-node broker (docs/deployment.md, decision 0010): two ActiveMQ Artemis
 * servers clustered in this JVM, instance {@code a} connected to node 0 and {@code b} to node 1, sharing one
 * PostgreSQL ({@code TEST_POSTGRES_URL}, a schema of its own). Messages cross nodes; retained messages do not (each
 * node keeps its own), so member lists, MCP server presence and the voice election must not depend on them.
 */
@Timeout(180)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {
    private static final String DEVICE =
            "cluster_dev-" + UUID.randomUUID().toString().substring(0, 6);

    private static ScaleOutFixture instances;
    private static ArtemisCluster cluster;
    private static FakeOpenAi model;
    private static TestPage page;
    private static TestProduct a;
    private static TestProduct b;
    /** A device on node 0 and an observer on node 1. */
    private static TestMqtt device;

    private static TestMqtt observer;

    @BeforeAll
    static void start() throws Exception {
        instances = ScaleOutFixture.create("cluster");
        cluster = ArtemisCluster.start(2);
        model = new FakeOpenAi();
        model.byDefault(FakeOpenAi.text("Hello", " from", " node", " zero."));
        a = instance("cluster-a", 0);
        // a tool server announced on node 0 before the instance on node 1 starts: its retained presence is on node 0
        page = TestPage.start(cluster.mqttPort(0), "c1u5t");
        await().atMost(Duration.ofSeconds(20)).until(() -> mcp(a).contains("c1u5t: 4 tools"));
        b = instance("cluster-b", 1);
        device = TestMqtt.connect(cluster.mqttPort(0), DEVICE).subscribe("$webrtc/" + DEVICE);
        observer = TestMqtt.connect(cluster.mqttPort(1), "cluster-observer")
                .subscribe("chatroom/messages/out", "chatroom/users/online");
    }

    private static TestProduct instance(String clientId, int node) {
        return instances.start(
                clientId,
                cluster.mqttPort(node),
                Map.of(
                        "CHAT_RATE_PER_MINUTE", "0",
                        "AI_PROVIDER", "openai-compatible",
                        "AI_BASE_URL", model.baseUrl(),
                        "AI_MODEL", "fake-model",
                        "MCP_ROOM_TOOLS", "all"));
    }

    @AfterAll
    static void stop() {
        ScaleOutFixture.closeAll(observer, device, page, instances, model, cluster);
    }

    private static String mcp(TestProduct instance) {
        return instance.get("/health").body().replaceAll("(?s).*\"mcp\":\\{([^}]*)}.*", "$1");
    }

    private static final String STANDS_BY_FOR_A = "\"detail\":\"stands by, cluster-a answers calls";

    /** Whether the instance says it answers calls itself (not that another one does). */
    private static boolean answers(TestProduct instance) {
        return voice(instance).contains("\"detail\":\"answers calls;");
    }

    private static String voice(TestProduct instance) {
        return instance.get("/health").body().replaceAll("(?s).*\"voice\":\\{([^}]*)}.*", "$1");
    }

    @Test
    @Order(1)
    void the_instance_there_first_answers_every_call_and_the_one_on_the_other_node_stands_by_from_its_start() {
        // b started a moment ago on the other node; node 1 never held a's retained announcement. Both must have
        // decided before the offers count: on a warm JVM this class's start takes less than the 1.5 s an instance
        // listens before it decides, and "stands by, cluster-a answers calls" said by a itself (the old /health while
        // undecided) was taken for a answering, so the first offer reached two instances that answered none
        await().atMost(Duration.ofSeconds(20)).until(() -> answers(a) && voice(b).contains(STANDS_BY_FOR_A));
        for (int i = 0; i < 3; i++) {
            assertThat(answersTo(offer())).as("answers to offer %d", i).isEqualTo(1);
        }
        assertThat(answers(a)).as("a answers calls: %s", voice(a)).isTrue();
        assertThat(voice(b)).contains(STANDS_BY_FOR_A);
    }

    @Test
    @Order(2)
    void a_tool_server_announced_on_one_node_is_found_by_the_instance_on_the_other() {
        // its retained presence is on node 0 only: b learns of it from a's record in the database
        await().atMost(Duration.ofSeconds(20)).until(() -> mcp(b).contains("c1u5t: 4 tools"));
    }

    @Test
    @Order(3)
    void chat_from_a_device_on_one_node_reaches_a_subscriber_on_the_other_once_each() {
        List<String> texts = IntStream.range(0, 60).mapToObj(i -> "across-" + i).toList();
        texts.forEach(t -> device.publish("chatroom/messages/in", input(t)));
        await().atMost(Duration.ofSeconds(20)).until(() -> contents("across-").size() >= texts.size());
        assertThat(contents("across-")).containsExactlyInAnyOrderElementsOf(texts);
        assertThat(received(a)).as("inputs instance a took").isPositive();
        assertThat(received(b)).as("inputs instance b took").isPositive();
    }

    @Test
    @Order(4)
    void the_assistant_answers_a_question_asked_on_one_node_once_on_the_other() {
        model.then(FakeOpenAi.text("Hello", " across", " nodes."));
        try (TestMqtt asker = TestMqtt.connect(cluster.mqttPort(1), "cluster-asker")) {
            asker.publish("chatroom/messages/in", input("@AI hello there"));
        }
        await().atMost(Duration.ofSeconds(20))
                .until(() -> !contents("Hello across nodes.").isEmpty());
        await().during(Duration.ofSeconds(1))
                .atMost(Duration.ofSeconds(5))
                .until(() -> contents("Hello across nodes.").size() == 1);
    }

    @Test
    @Order(5)
    void members_joined_through_either_instance_are_the_retained_list_on_every_node() throws SQLException {
        List<String> users = IntStream.range(0, 12).mapToObj(i -> "member-" + i).toList();
        try (TestMqtt second = TestMqtt.connect(cluster.mqttPort(1), "cluster-device-2")) {
            for (int i = 0; i < users.size(); i++) {
                (i % 2 == 0 ? device : second)
                        .publish(
                                "chatroom/users/join",
                                "{\"client_id\":\"" + users.get(i) + "\",\"username\":\"" + users.get(i) + "\"}");
            }
            second.publish("chatroom/users/leave", "{\"client_id\":\"member-3\"}");
            device.publish("chatroom/users/leave", "{\"client_id\":\"member-8\"}");
        }
        List<String> expected = users.stream()
                .filter(u -> !u.equals("member-3") && !u.equals("member-8"))
                .toList();
        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> assertThat(stored()).containsExactlyInAnyOrderElementsOf(expected));
        // a client that subscribes now gets the stored list on either node, within the refresh bound
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(retainedMembers(0)).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(retainedMembers(1)).containsExactlyInAnyOrderElementsOf(expected);
        });
        // and a subscriber that stayed on node 1 last heard the stored list too
        await().atMost(Duration.ofSeconds(15))
                .untilAsserted(() -> assertThat(ids(
                                observer.on("chatroom/users/online").getLast().json()))
                        .containsExactlyInAnyOrderElementsOf(expected));
    }

    @Test
    @Order(6)
    void when_instance_a_stops_b_answers_calls_and_calls_the_tools_of_the_page_on_the_other_node() {
        a.stop();
        await().atMost(Duration.ofSeconds(15)).until(() -> answers(b));
        assertThat(answersTo(offer())).isEqualTo(1);

        // b on node 1 takes every input now, and its session with the page on node 0 works across the nodes
        model.then(
                new FakeOpenAi.ToolCall("call_emotion_1", "change_emotion", List.of("{\"emotion\":\"happy\"}")),
                FakeOpenAi.text("I am happy now."));
        device.publish("chatroom/messages/in", input("@AI be happy"));
        await().atMost(Duration.ofSeconds(20))
                .until(() -> !contents("I am happy now.").isEmpty());
        assertThat(page.calls()).extracting(TestPage.Call::tool).containsExactly("change_emotion");
    }

    private static String input(String text) {
        return "{\"client_id\":\"" + DEVICE + "\",\"username\":\"设备\",\"message\":\"" + text + "\"}";
    }

    private static List<JsonNode> outputs() {
        return observer.on("chatroom/messages/out").stream()
                .map(TestMqtt.Received::json)
                .toList();
    }

    private static List<String> contents(String prefix) {
        return outputs().stream()
                .map(m -> m.path("content").asText())
                .filter(t -> t.startsWith(prefix))
                .toList();
    }

    private static long received(TestProduct product) {
        return Json.tree(product.get("/mqtt/status").body().getBytes(StandardCharsets.UTF_8))
                .orElseThrow()
                .path("mqtt_status")
                .path("messages_received")
                .asLong();
    }

    private static List<String> stored() throws SQLException {
        try (Connection c = instances.db();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT client_id FROM " + instances.table("room_members") + " WHERE room = 'main'")) {
            List<String> ids = new ArrayList<>();
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
            return ids;
        }
    }

    /** The member list a client that subscribes now on {@code node} gets (retained), as client ids. */
    private static List<String> retainedMembers(int node) {
        try (TestMqtt late = TestMqtt.connect(cluster.mqttPort(node), "cluster-late-" + UUID.randomUUID())
                .subscribe("chatroom/users/online")) {
            return ids(late.await("chatroom/users/online", TestMqtt.Received::retain, Duration.ofSeconds(5))
                    .json());
        }
    }

    private static List<String> ids(JsonNode list) {
        List<String> ids = new ArrayList<>();
        list.path("users").forEach(u -> ids.add(u.path("client_id").asText()));
        return ids;
    }

    /** Sends an offer without audio: an instance that takes the call answers {@code webrtc_terminated} at once. */
    private static long offer() {
        device.clear();
        device.publish(
                "$webrtc/" + DEVICE + "/multimedia_proxy",
                "{\"type\":\"sdp_offer\",\"data\":{\"type\":\"offer\",\"sdp\":\"garbage\"}}");
        return System.nanoTime();
    }

    /** How many answers the offer got: waits 3 s for the first, then 1.5 s more for a second that must not come. */
    private static long answersTo(long sentAt) {
        await().atMost(Duration.ofSeconds(4))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> !device.on("$webrtc/" + DEVICE).isEmpty()
                        || System.nanoTime() - sentAt > Duration.ofMillis(3000).toNanos());
        try {
            Thread.sleep(1500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<TestMqtt.Received> answers = device.on("$webrtc/" + DEVICE);
        assertThat(answers).allMatch(r -> r.json().path("type").asText().equals("webrtc_terminated"));
        return answers.size();
    }
}
