package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import dev.aichatroom.mqtt.Json;
import dev.aichatroom.testing.Processes;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The chat contract (PROTOCOL.md §1) on the embedded broker, driven by real MQTT clients. */
@Timeout(60)
class ChatIT {
    private static final String TIMESTAMP = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}";
    private static TestProduct product;
    private static TestMqtt observer;

    @BeforeAll
    static void start() {
        product = TestProduct.start(Map.of("CHAT_RATE_PER_MINUTE", "60", "CHAT_RATE_BURST", "5"));
        observer = TestMqtt.connect(product.mqttPort(), "observer")
                .subscribe(
                        "chatroom/messages/out",
                        "chatroom/+/messages/out",
                        "chatroom/system",
                        "chatroom/+/system",
                        "chatroom/users/online",
                        "chatroom/+/users/online");
    }

    @AfterAll
    static void stop() {
        observer.close();
        product.close();
    }

    private static String id() {
        return "c-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static void pub(String topic, String payload) {
        Processes.mosquittoPub(product.mqttPort(), topic, payload);
    }

    @Test
    void seed_mosquitto_pub_example_produces_user_message_on_out() throws Exception {
        Process sub = Processes.start(List.of(
                "mosquitto_sub",
                "-h",
                "127.0.0.1",
                "-p",
                Integer.toString(product.mqttPort()),
                "-t",
                "chatroom/messages/out",
                "-C",
                "1",
                "-W",
                "15"));
        await().pollDelay(Duration.ofMillis(500)).until(() -> true);

        Processes.run(List.of(
                "mosquitto_pub",
                "-h",
                "127.0.0.1",
                "-p",
                Integer.toString(product.mqttPort()),
                "-t",
                "chatroom/messages/in",
                "-m",
                "{\"client_id\":\"test\",\"username\":\"测试\",\"message\":\"hello\"}"));

        TestMqtt.Received out = observer.await(
                "chatroom/messages/out",
                r -> r.json().path("client_id").asText().equals("test")
                        && r.json().path("content").asText().equals("hello"));
        JsonNode m = out.json();
        assertThat(m.path("type").asText()).isEqualTo("user_message");
        assertThat(m.path("username").asText()).isEqualTo("测试");
        assertThat(m.path("timestamp").asText()).matches(TIMESTAMP);
        assertThat(UUID.fromString(m.path("message_id").asText()).version()).isEqualTo(7);
        assertThat(m.path("room").asText()).isEqualTo("main");
        assertThat(m.path("source").asText()).isEqualTo("mqtt");
        assertThat(m.has("reply_to")).isFalse();
        assertThat(out.text()).contains("测试").doesNotContain("\\u");
        assertThat(out.retain()).isFalse();
        // the same message reached a subscriber no one here wrote
        assertThat(sub.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        String seen = new String(sub.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(seen).contains("\"username\":\"测试\"").contains("\"content\":\"hello\"");
    }

    @Test
    void the_seeds_python_paho_client_joins_talks_and_leaves() throws Exception {
        java.nio.file.Path script = java.nio.file.Files.createTempFile("seed_client", ".py");
        try (var in = ChatIT.class.getResourceAsStream("/seed/seed_client.py")) {
            java.nio.file.Files.write(script, in.readAllBytes());
        }
        String out =
                Processes.run(List.of("/usr/bin/python3", script.toString(), Integer.toString(product.mqttPort())));
        assertThat(out)
                .contains("[chatroom/system] {\"type\": \"system_message\", \"message\": \"MQTT用户 Python用户 加入了聊天室\"")
                .contains("\"content\": \"Hello from Python MQTT client!\"")
                .contains("\"content\": \"这是中文消息测试\"");
        observer.await("chatroom/system", r -> r.json().path("message").asText().equals("MQTT用户 Python用户 离开了聊天室"));
    }

    @Test
    void typing_events_pass_at_a_bounded_rate_and_are_never_retained() {
        String typist = id();
        try (TestMqtt watcher = TestMqtt.connect(product.mqttPort(), id()).subscribe("chatroom/users/typing");
                TestMqtt c = TestMqtt.connect(product.mqttPort(), typist)) {
            String event = "{\"client_id\":\"" + typist + "\",\"username\":\"Typist\",\"typing\":true}";
            assertThat(c.tryPublish("chatroom/users/typing", event)).isEmpty();
            watcher.await("chatroom/users/typing", r -> r.text().contains(typist));

            Mqtt5PubAckReasonCode retained = null;
            try {
                c.client()
                        .publishWith()
                        .topic("chatroom/users/typing")
                        .qos(com.hivemq.client.mqtt.datatypes.MqttQos.AT_LEAST_ONCE)
                        .retain(true)
                        .payload(event.replace("Typist", "Retained").getBytes(StandardCharsets.UTF_8))
                        .send();
            } catch (com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException e) {
                retained = e.getMqttMessage().getReasonCode();
            }
            assertThat(retained).isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);

            // a flood: the broker lets the burst through and drops the rest
            for (int i = 0; i < 40; i++) {
                c.tryPublish("chatroom/users/typing", event.replace("Typist", "Flood" + i));
            }
            await().pollDelay(Duration.ofMillis(500))
                    .atMost(Duration.ofSeconds(3))
                    .until(() -> true);
            assertThat(watcher.on("chatroom/users/typing").stream()
                            .filter(r -> r.text().contains("Flood"))
                            .count())
                    .isBetween(1L, 6L);
            assertThat(watcher.on("chatroom/users/typing"))
                    .noneMatch(r -> r.text().contains("Retained"));
        }
        try (TestMqtt late = TestMqtt.connect(product.mqttPort(), id()).subscribe("chatroom/users/typing")) {
            await().pollDelay(Duration.ofSeconds(1))
                    .atMost(Duration.ofSeconds(2))
                    .until(() -> true);
            assertThat(late.received())
                    .as("nothing retained on the typing topic")
                    .isEmpty();
        }
    }

    @Test
    void every_message_is_published_once_and_stored() {
        String client = id();
        pub("chatroom/messages/in", "{\"client_id\":\"" + client + "\",\"username\":\"张三\",\"message\":\"你好世界\"}");
        TestMqtt.Received out = observer.await(
                "chatroom/messages/out",
                r -> r.json().path("client_id").asText().equals(client));
        await().atMost(Duration.ofSeconds(2)).pollDelay(Duration.ofMillis(500)).until(() -> true);
        assertThat(observer.on("chatroom/messages/out").stream()
                        .filter(r -> r.json().path("client_id").asText().equals(client)))
                .hasSize(1);
        String body = product.get("/api/rooms/main/messages?limit=50").body();
        assertThat(body).contains(out.json().path("message_id").asText()).contains("你好世界");
    }

    @Test
    void join_and_leave_publish_notices_and_the_retained_member_list() {
        String client = id();
        // one connection: a member belongs to the connection that joined it (a one-shot mosquitto_pub join leaves
        // once its connection is gone)
        TestMqtt li = TestMqtt.connect(product.mqttPort(), id());
        li.publish("chatroom/users/join", "{\"client_id\":\"" + client + "\",\"username\":\"李四\"}");
        observer.await("chatroom/system", r -> r.json().path("message").asText().equals("MQTT用户 李四 加入了聊天室"));
        observer.await("chatroom/users/online", r -> r.text().contains(client));

        try (TestMqtt late = TestMqtt.connect(product.mqttPort(), id()).subscribe("chatroom/users/online")) {
            TestMqtt.Received list =
                    late.await("chatroom/users/online", r -> r.text().contains(client));
            assertThat(list.retain()).isTrue();
            JsonNode user = list.json().path("users").findParent("client_id");
            assertThat(list.json().path("room").asText()).isEqualTo("main");
            assertThat(user.has("username") && user.has("source") && user.has("join_time"))
                    .isTrue();
        }
        li.publish("chatroom/users/join", "{\"client_id\":\"" + client + "\",\"username\":\"李四四\"}");
        observer.await("chatroom/users/online", r -> r.text().contains("李四四"));

        li.publish("chatroom/users/leave", "{\"client_id\":\"" + client + "\"}");
        li.close();
        observer.await("chatroom/system", r -> r.json().path("message").asText().equals("MQTT用户 李四四 离开了聊天室"));
        assertThat(observer.on("chatroom/system").stream().filter(r -> r.text().contains("李四四 加入")))
                .as("a second join with the same client_id renames, it does not join twice")
                .isEmpty();
        // member lists are coalesced (at most one per room per 500 ms): wait for the one without the member
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            List<TestMqtt.Received> lists = observer.on("chatroom/users/online");
            return !lists.get(lists.size() - 1).text().contains(client);
        });
        // leaving without joining is a no-op: no notice, no new member list, no error
        try (TestMqtt stranger =
                TestMqtt.connect(product.mqttPort(), "never-joined").subscribe("chatroom/clients/never-joined/#")) {
            int lists = observer.on("chatroom/users/online").size();
            int notices = observer.on("chatroom/system").size();
            stranger.publish("chatroom/users/leave", "{\"client_id\":\"never-joined\"}");
            await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(3)).until(() -> true);
            assertThat(observer.on("chatroom/users/online")).hasSize(lists);
            assertThat(observer.on("chatroom/system")).hasSize(notices);
            assertThat(stranger.received()).isEmpty();
        }
    }

    @Test
    void a_device_that_drops_without_leave_leaves_the_room() {
        String device = id();
        TestMqtt d = TestMqtt.connect(product.mqttPort(), device);
        d.publish("chatroom/users/join", "{\"client_id\":\"" + device + "\",\"username\":\"温度传感器\"}");
        observer.await("chatroom/users/online", r -> r.text().contains(device));
        d.close();
        observer.await("chatroom/system", r -> r.json().path("message").asText().equals("MQTT用户 温度传感器 离开了聊天室"));
    }

    @Test
    void a_page_that_reloads_with_the_same_client_id_posts_no_leave_and_no_join() {
        String page = id();
        String will = "{\"client_id\":\"" + page + "\",\"reason\":\"connection_lost\"}";
        String join = "{\"client_id\":\"" + page + "\",\"username\":\"Reloader\",\"source\":\"web\"}";
        TestMqtt before = TestMqtt.connect(
                product.mqttPort(),
                page,
                b -> b,
                c -> c.willPublish()
                        .topic("chatroom/users/leave")
                        .payload(will.getBytes(StandardCharsets.UTF_8))
                        .applyWillPublish());
        before.publish("chatroom/users/join", join);
        observer.await("chatroom/users/online", r -> r.text().contains(page));
        // a page's member is not an "MQTT用户"; the notice has a code and parameters for each page's language
        JsonNode joined = observer.await("chatroom/system", r -> r.text().contains("Reloader"))
                .json();
        assertThat(joined.path("message").asText()).isEqualTo("Reloader 加入了聊天室");
        assertThat(joined.path("code").asText()).isEqualTo("USER_JOINED");
        assertThat(joined.path("params").path("username").asText()).isEqualTo("Reloader");
        assertThat(joined.path("params").path("source").asText()).isEqualTo("web");
        // the tab reloads: its connection dies with the will, the new page connects with the same id and joins
        before.client()
                .disconnectWith()
                .reasonCode(
                        com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode
                                .DISCONNECT_WITH_WILL_MESSAGE)
                .send();
        try (TestMqtt after = TestMqtt.connect(product.mqttPort(), page)) {
            after.publish("chatroom/users/join", join);
            await().during(Duration.ofSeconds(7))
                    .atMost(Duration.ofSeconds(9))
                    .until(() -> observer.on("chatroom/system").stream()
                            .noneMatch(r -> r.text().contains("Reloader 离开")));
            assertThat(observer.on("chatroom/system").stream()
                            .filter(r -> r.text().contains("Reloader 加入")))
                    .as("one join notice, for the first join only")
                    .hasSize(1);
            JsonNode online = observer.on("chatroom/users/online").getLast().json();
            assertThat(online.toString()).contains(page);
        }
        // gone for good: the leave comes once the grace is over
        observer.await("chatroom/system", r -> r.text().contains("Reloader 离开"), Duration.ofSeconds(12));
    }

    @Test
    void rooms_use_their_own_topics() {
        String client = id();
        pub(
                "chatroom/kitchen/messages/in",
                "{\"client_id\":\"" + client + "\",\"username\":\"厨师\",\"message\":\"lunch\"}");
        TestMqtt.Received out = observer.await(
                "chatroom/kitchen/messages/out",
                r -> r.json().path("client_id").asText().equals(client));
        assertThat(out.json().path("room").asText()).isEqualTo("kitchen");
        assertThat(observer.on("chatroom/messages/out").stream()
                        .filter(r -> r.text().contains(client)))
                .isEmpty();
        assertThat(product.get("/api/rooms/kitchen/messages").body()).contains("lunch");
        assertThat(Json.tree(product.get("/mqtt/status").body().getBytes(StandardCharsets.UTF_8))
                        .orElseThrow()
                        .path("mqtt_status")
                        .path("active_topics")
                        .toString())
                .contains("\"chatroom/kitchen/messages/in\"", "\"chatroom/kitchen/system\"");
    }

    @Test
    void bad_input_gets_a_private_error_and_nothing_is_broadcast() {
        String client = id();
        try (TestMqtt c = TestMqtt.connect(product.mqttPort(), client).subscribe("chatroom/clients/" + client + "/#")) {
            assertThat(c.tryPublish("chatroom/messages/in", "this is not json"))
                    .contains(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
            c.await(
                    "chatroom/clients/" + client + "/errors",
                    r -> r.json().path("code").asText().equals("INVALID_JSON"));

            assertThat(c.tryPublish(
                            "chatroom/messages/in",
                            "{\"client_id\":\"" + client + "\",\"username\":\"u\",\"message\":\"  \"}"))
                    .contains(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
            TestMqtt.Received empty = c.await(
                    "chatroom/clients/" + client + "/errors",
                    r -> r.json().path("code").asText().equals("EMPTY_MESSAGE"));
            assertThat(empty.json().path("type").asText()).isEqualTo("error");
            assertThat(empty.json().path("message").asText()).isNotBlank();
            assertThat(empty.json().path("timestamp").asText()).matches(TIMESTAMP);

            c.tryPublish(
                    "chatroom/messages/in",
                    "{\"client_id\":\"" + client + "\",\"username\":\"u\",\"message\":\"" + "长".repeat(4001)
                            + "\",\"message_id\":\"m-too-long\"}");
            TestMqtt.Received tooLong = c.await(
                    "chatroom/clients/" + client + "/errors",
                    r -> r.json().path("code").asText().equals("TOO_LARGE"));
            assertThat(tooLong.json().path("message_id").asText())
                    .as("the error names the refused input by its own message_id")
                    .isEqualTo("m-too-long");
            assertThat(empty.json().has("message_id"))
                    .as("an input without one: no message_id")
                    .isFalse();

            c.publish("chatroom/messages/in", "{\"client_id\":\"" + client + "\",\"message\":\"who am i\"}");
            c.await(
                    "chatroom/clients/" + client + "/errors",
                    r -> r.json().path("code").asText().equals("MISSING_FIELD"));

            c.tryPublish(
                    "chatroom/system/messages/in",
                    "{\"client_id\":\"" + client + "\",\"username\":\"u\",\"message\":\"x\"}");
            c.await(
                    "chatroom/clients/" + client + "/errors",
                    r -> r.json().path("code").asText().equals("INVALID_ROOM"));

            // and the connection still works
            c.publish(
                    "chatroom/messages/in", "{\"client_id\":\"" + client + "\",\"username\":\"u\",\"message\":\"ok\"}");
            observer.await(
                    "chatroom/messages/out",
                    r -> r.json().path("client_id").asText().equals(client));
        }
        assertThat(observer.on("chatroom/messages/out").stream()
                        .filter(r -> r.text().contains(client)))
                .hasSize(1);
        assertThat(product.get("/metrics").body()).contains("chat_inputs_rejected_total");
    }

    @Test
    void a_client_sending_too_fast_is_rate_limited() {
        String client = id();
        try (TestMqtt c = TestMqtt.connect(product.mqttPort(), client).subscribe("chatroom/clients/" + client + "/#")) {
            // refused by the embedded broker before it acknowledges: PUBACK 0x87 (see docs/decisions/0007)
            long refused = java.util.stream.IntStream.range(0, 8)
                    .filter(i -> c.tryPublish(
                                    "chatroom/messages/in",
                                    "{\"client_id\":\"" + client + "\",\"username\":\"u\",\"message\":\"m" + i + "\"}")
                            .isPresent())
                    .count();
            assertThat(refused).isBetween(2L, 3L);
            TestMqtt.Received error = c.await(
                    "chatroom/clients/" + client + "/errors",
                    r -> r.json().path("code").asText().equals("RATE_LIMITED"));
            assertThat(error.json().path("retry_after_ms").asLong()).isBetween(1L, 1_001L);
        }
        await().atMost(Duration.ofSeconds(5))
                .until(() -> observer.on("chatroom/messages/out").stream()
                                .filter(r -> r.text().contains(client))
                                .count()
                        == 5);
    }

    @Test
    void the_same_input_id_is_processed_once() {
        String client = id();
        String payload =
                "{\"client_id\":\"" + client + "\",\"username\":\"u\",\"message\":\"once\",\"message_id\":\"k1\"}";
        pub("chatroom/messages/in", payload);
        pub("chatroom/messages/in", payload);
        pub("chatroom/messages/in", payload.replace("k1", "k2"));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> observer.on("chatroom/messages/out").stream()
                                .filter(r -> r.text().contains(client))
                                .count()
                        == 2);
    }

    @Test
    void status_reports_live_counters_in_the_seed_shape() {
        String client = id();
        try (TestMqtt c = TestMqtt.connect(product.mqttPort(), client)) {
            c.publish("chatroom/users/join", "{\"client_id\":\"" + client + "\",\"username\":\"计数\"}");
            c.publish("chatroom/messages/in", "{\"client_id\":\"" + client + "\",\"message\":\"one\"}");
            c.publish("chatroom/messages/in", "{\"client_id\":\"" + client + "\",\"message\":\"two\"}");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> observer.on("chatroom/messages/out").stream()
                                    .filter(r -> r.text().contains(client))
                                    .count()
                            == 2);
            JsonNode status = Json.tree(product.get("/mqtt/status").body().getBytes(StandardCharsets.UTF_8))
                    .orElseThrow();
            assertThat(status.path("success").asBoolean()).isTrue();
            assertThat(status.path("timestamp").asText()).matches(TIMESTAMP);
            JsonNode s = status.path("mqtt_status");
            assertThat(s.path("is_connected").asBoolean()).isTrue();
            assertThat(s.path("is_running").asBoolean()).isTrue();
            // the service's own listener on loopback (docs/decisions/0006-broker-limits.md)
            assertThat(s.path("broker_info").asText()).matches("127\\.0\\.0\\.1:\\d+");
            assertThat(s.path("messages_received").asLong()).isGreaterThanOrEqualTo(3);
            assertThat(s.path("messages_sent").asLong()).isGreaterThanOrEqualTo(2);
            assertThat(s.path("connect_time").asText()).matches(TIMESTAMP);
            assertThat(s.path("last_message_time").asText()).matches(TIMESTAMP);
            List<String> topics = new java.util.ArrayList<>();
            s.path("active_topics").forEach(t -> topics.add(t.asText()));
            assertThat(topics)
                    .as("the seed's five topics of the default room come first")
                    .startsWith(
                            "chatroom/messages/in",
                            "chatroom/messages/out",
                            "chatroom/users/join",
                            "chatroom/users/leave",
                            "chatroom/system")
                    .doesNotHaveDuplicates()
                    .noneMatch(t -> t.contains("+") || t.startsWith("$share"));
            JsonNode me = null;
            for (JsonNode u : s.path("mqtt_users")) {
                if (u.path("client_id").asText().equals(client)) {
                    me = u;
                }
            }
            assertThat(me).isNotNull();
            assertThat(me.path("username").asText()).isEqualTo("计数");
            assertThat(me.path("message_count").asInt()).isEqualTo(2);
            assertThat(me.path("join_time").asText()).matches(TIMESTAMP);
            assertThat(s.path("mqtt_users_count").asInt())
                    .isEqualTo(s.path("mqtt_users").size());
        }
    }

    @Test
    void http_api_answers_errors_as_json() {
        var bad = product.get("/api/rooms/main/messages?limit=99999");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("\"success\":false").contains("INVALID_LIMIT");
        var room = product.get("/api/rooms/users/messages");
        assertThat(room.statusCode()).isEqualTo(400);
        assertThat(product.get("/nope").statusCode()).isEqualTo(404);
        var health = product.get("/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"broker\"").contains("\"store\"").contains("\"ready\":true");
        assertThat(product.get("/metrics").body()).contains("chat_message_processing_seconds");
    }

    @Test
    void history_pages_backwards_with_before() {
        String client = id();
        for (int i = 0; i < 5; i++) {
            pub(
                    "chatroom/paging/messages/in",
                    "{\"client_id\":\"" + client + "\",\"username\":\"p\",\"message\":\"n" + i + "\"}");
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() -> observer.on("chatroom/paging/messages/out").size() == 5);
        JsonNode last2 = Json.tree(
                        product.get("/api/rooms/paging/messages?limit=2").body().getBytes(StandardCharsets.UTF_8))
                .orElseThrow()
                .path("messages");
        assertThat(last2.get(0).path("content").asText()).isEqualTo("n3");
        assertThat(last2.get(1).path("content").asText()).isEqualTo("n4");
        JsonNode before = Json.tree(product.get("/api/rooms/paging/messages?limit=10&before="
                                + last2.get(0).path("message_id").asText())
                        .body()
                        .getBytes(StandardCharsets.UTF_8))
                .orElseThrow()
                .path("messages");
        assertThat(before).hasSize(3);
        assertThat(before.get(2).path("content").asText()).isEqualTo("n2");
    }
}
