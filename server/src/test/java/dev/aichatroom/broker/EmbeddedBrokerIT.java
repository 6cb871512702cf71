package dev.aichatroom.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import dev.aichatroom.testing.Processes;
import dev.aichatroom.testing.RawMqtt;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Each property the product needs from the embedded broker, checked with real clients. */
@Timeout(90)
class EmbeddedBrokerIT {
    private static TestProduct product;

    @BeforeAll
    static void start() {
        product = TestProduct.start();
    }

    @AfterAll
    static void stop() {
        product.close();
    }

    private static TestMqtt client(String id) {
        return TestMqtt.connect(product.mqttPort(), id);
    }

    @Test
    void dollar_topics_other_than_sys_can_be_published_and_subscribed() {
        try (TestMqtt a = client("dollar-a")
                        .subscribe(
                                "$mcp-server/presence/+/#",
                                "$webrtc/dollar-a/multimedia_proxy",
                                "$message/dollar-a/multimedia_proxy",
                                "$mcp-rpc/dollar-a/#");
                TestMqtt b = client("dollar-b")) {
            b.publish("$mcp-server/presence/dollar-b/web-ui-hardware-controller/x", "{\"online\":true}");
            a.await("$mcp-server/presence/+/#", r -> r.text().contains("online"));
            // each client under its own id (the owner rule), the message coming back to it through the broker
            a.publish("$webrtc/dollar-a/multimedia_proxy", "{\"type\":\"webrtc_terminated\",\"reason\":\"test\"}");
            a.await("$webrtc/dollar-a/multimedia_proxy", r -> r.text().contains("webrtc_terminated"));
            a.publish("$message/dollar-a/multimedia_proxy", "{\"type\":\"chat\",\"text\":\"hi\"}");
            a.await("$message/dollar-a/multimedia_proxy", r -> r.text().contains("chat"));
            a.publish("$mcp-rpc/dollar-a/server-1/web-ui-hardware-controller/x", "{\"jsonrpc\":\"2.0\"}");
            a.await("$mcp-rpc/dollar-a/#", r -> r.text().contains("jsonrpc"));
            assertThat(b.tryPublish("$sys/mqtt/sessions", "x")).contains(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
        }
    }

    @Test
    void a_client_may_only_use_its_own_id_under_owner_prefixes() {
        try (TestMqtt a = client("owner-a")) {
            assertThat(a.tryPublish("$webrtc/owner-a/multimedia_proxy", "{}")).isEmpty();
            assertThat(a.tryPublish("$webrtc/someone-else/multimedia_proxy", "{}"))
                    .contains(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
            assertThat(a.tryPublish("$webrtc/owner-a", "{}"))
                    .as("proxy → device signalling is the service's")
                    .contains(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
            assertThatThrownBy(() -> a.subscribe("chatroom/clients/someone-else/errors"))
                    .isInstanceOf(Mqtt5SubAckException.class);
            a.subscribe("chatroom/clients/owner-a/errors");
        }
    }

    @Test
    void mcp_clients_and_servers_speak_only_for_themselves() {
        try (TestMqtt page = client("page-1");
                TestMqtt other = client("intruder")) {
            String name = "web-ui-hardware-controller/abc";
            assertThat(page.tryPublish("$mcp-server/presence/page-1/" + name, "{}"))
                    .isEmpty();
            assertThat(other.tryPublish("$mcp-server/presence/page-1/" + name, ""))
                    .as("clearing another server's presence")
                    .contains(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
            assertThat(other.tryPublish("$mcp-server/page-1/" + name, "{}"))
                    .as("anyone may send initialize")
                    .isEmpty();
            assertThatThrownBy(() -> other.subscribe("$mcp-server/page-1/" + name))
                    .as("reading another server's requests")
                    .isInstanceOf(Mqtt5SubAckException.class);
            assertThat(other.tryPublish("$mcp-rpc/agent-7/page-1/" + name, "{}"))
                    .as("speaking in someone else's session")
                    .contains(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
            assertThatThrownBy(() -> other.subscribe("$mcp-rpc/+/page-1/" + name))
                    .isInstanceOf(Mqtt5SubAckException.class);
            assertThat(other.tryPublish("$mcp-client/presence/agent-7", ""))
                    .contains(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
            assertThat(other.tryPublish("$mcp-rpc/intruder/page-1/" + name, "{}"))
                    .isEmpty();
            other.subscribe("$mcp-server/presence/+/web-ui-hardware-controller/#");
            page.subscribe("$mcp-server/page-1/" + name, "$mcp-rpc/intruder/page-1/" + name);
            assertThat(page.client().getState().isConnected()).isTrue();
        }
    }

    @Test
    void output_topics_are_the_services_alone() {
        try (TestMqtt a = client("spoofer")) {
            for (String t : List.of(
                    "chatroom/messages/out",
                    "chatroom/r1/messages/out",
                    "chatroom/system",
                    "chatroom/users/online",
                    "chatroom/messages/stream")) {
                assertThat(a.tryPublish(t, "{}")).as(t).contains(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
            }
            assertThat(a.client().getState().isConnected()).isTrue();
        }
    }

    @Test
    void subscribing_to_everything_is_refused_because_it_would_read_private_topics() {
        try (TestMqtt a = client("greedy")) {
            a.assertSubscribeRefused("#");
            // a leading wildcard that cannot reach an input or another client's errors is a filter like any other
            a.subscribe("+/messages/out");
            assertThat(a.client().getState().isConnected()).isTrue();
        }
    }

    @Test
    void user_properties_reach_subscribers() {
        try (TestMqtt a = client("props-a").subscribe("t/props");
                TestMqtt b = client("props-b")) {
            b.client()
                    .publishWith()
                    .topic("t/props")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .userProperties()
                    .add("MCP-COMPONENT-TYPE", "mcp-server")
                    .add("k", "值")
                    .applyUserProperties()
                    .payload("x".getBytes(StandardCharsets.UTF_8))
                    .send();
            TestMqtt.Received r = a.await("t/props", x -> true);
            assertThat(r.userProperties())
                    .containsEntry("MCP-COMPONENT-TYPE", "mcp-server")
                    .containsEntry("k", "值");
        }
    }

    @Test
    void no_local_subscriptions_do_not_echo_own_messages() {
        try (TestMqtt a = client("nolocal-a");
                TestMqtt b = client("nolocal-b").subscribe("t/nolocal")) {
            a.client().subscribeWith().topicFilter("t/nolocal").noLocal(true).send();
            a.publish("t/nolocal", "from a");
            b.await("t/nolocal", r -> r.text().equals("from a"));
            b.publish("t/nolocal", "from b");
            a.await("t/nolocal", r -> r.text().equals("from b"));
            assertThat(a.on("t/nolocal")).extracting(TestMqtt.Received::text).containsExactly("from b");
        }
    }

    @Test
    void retained_messages_reach_late_subscribers_and_an_empty_one_clears_them() {
        try (TestMqtt a = client("retain-a")) {
            a.client()
                    .publishWith()
                    .topic("t/retained")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .retain(true)
                    .payload("kept".getBytes(StandardCharsets.UTF_8))
                    .send();
            try (TestMqtt late = client("retain-late").subscribe("t/retained")) {
                assertThat(late.await("t/retained", r -> true).retain()).isTrue();
            }
            a.client()
                    .publishWith()
                    .topic("t/retained")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .retain(true)
                    .send();
            try (TestMqtt later = client("retain-later").subscribe("t/retained")) {
                await().pollDelay(Duration.ofMillis(700)).until(() -> true);
                assertThat(later.on("t/retained")).isEmpty();
            }
        }
    }

    @Test
    void a_will_is_published_when_a_client_drops_and_an_empty_retained_will_reads_as_absent() {
        try (TestMqtt watcher = client("will-watch").subscribe("t/will/#")) {
            RawMqtt.connectWithWill(
                            product.mqttPort(),
                            "will-dying",
                            "t/will/gone",
                            "{\"client_id\":\"will-dying\"}".getBytes(StandardCharsets.UTF_8),
                            false)
                    .close();
            watcher.await("t/will/gone", r -> r.text().contains("will-dying"));

            try (TestMqtt owner = client("will-owner")) {
                owner.client()
                        .publishWith()
                        .topic("t/will/presence")
                        .retain(true)
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload("online".getBytes(StandardCharsets.UTF_8))
                        .send();
            }
            watcher.await("t/will/presence", r -> r.text().equals("online"));
            RawMqtt.connectWithWill(product.mqttPort(), "will-presence", "t/will/presence", new byte[0], true)
                    .close();
            watcher.await("t/will/presence", r -> r.payload().length == 0);
        }
        // Artemis keeps an empty retained will as an empty retained message (a known gap): whatever a late
        // subscriber gets is empty, which our consumers read as "absent"
        try (TestMqtt late = client("will-late").subscribe("t/will/presence")) {
            await().pollDelay(Duration.ofMillis(700)).until(() -> true);
            assertThat(late.on("t/will/presence")).allMatch(r -> r.payload().length == 0);
        }
    }

    @Test
    void shared_subscriptions_split_the_load() {
        try (TestMqtt a = client("share-a").subscribe("$share/g/t/shared");
                TestMqtt b = client("share-b").subscribe("$share/g/t/shared");
                TestMqtt p = client("share-pub")) {
            for (int i = 0; i < 20; i++) {
                p.publish("t/shared", "m" + i);
            }
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> a.on("t/shared").size() + b.on("t/shared").size() == 20);
            assertThat(a.on("t/shared")).isNotEmpty();
            assertThat(b.on("t/shared")).isNotEmpty();
        }
    }

    @Test
    void mqtt_3_1_1_and_websocket_clients_talk_to_mqtt_5_clients() {
        try (TestMqtt a = client("v5-listener").subscribe("t/versions")) {
            Processes.run(List.of(
                    "mosquitto_pub",
                    "-V",
                    "mqttv311",
                    "-h",
                    "127.0.0.1",
                    "-p",
                    Integer.toString(product.mqttPort()),
                    "-t",
                    "t/versions",
                    "-m",
                    "from 3.1.1"));
            a.await("t/versions", r -> r.text().equals("from 3.1.1"));
            try (TestMqtt ws = TestMqtt.connect(
                    product.wsPort(),
                    "ws-client",
                    b -> b.webSocketConfig().serverPath("mqtt").applyWebSocketConfig(),
                    c -> c)) {
                ws.publish("t/versions", "from websocket");
                a.await("t/versions", r -> r.text().equals("from websocket"));
            }
        }
    }

    @Test
    void a_persistent_session_with_a_long_expiry_survives_a_broker_restart() {
        // 30 days: Artemis would overflow this (×1000 in an int) and drop the session within seconds unless clamped
        long thirtyDays = 30L * 24 * 3600;
        TestMqtt sub = TestMqtt.connect(
                product.mqttPort(),
                "persistent-sub",
                b -> b,
                c -> c.cleanStart(false).sessionExpiryInterval(thirtyDays));
        sub.subscribe("t/persistent");
        sub.close();
        product.restart();
        await().pollDelay(Duration.ofSeconds(2)).until(() -> true);
        try (TestMqtt p = client("persistent-pub")) {
            p.publish("t/persistent", "while you were away");
        }
        try (TestMqtt back = TestMqtt.connect(
                product.mqttPort(),
                "persistent-sub",
                b -> b,
                c -> c.cleanStart(false).sessionExpiryInterval(thirtyDays))) {
            back.await("t/persistent", r -> r.text().equals("while you were away"));
        }
    }
}
