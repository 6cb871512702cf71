package dev.aichatroom.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperty;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import dev.aichatroom.testing.RawMqtt;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Cases of the Eclipse Paho interoperability suite (paho.mqtt.testing, MQTT 5), written here from the MQTT 5 spec with a
 * stock client (HiveMQ) and raw sockets against the embedded broker as the product configures it (its access policy
 * included), because the suite itself cannot be installed here. Topics live outside {@code chatroom/} like the suite's;
 * where the product's policy differs from the suite's expectation the case says so.
 */
@Timeout(120)
class BrokerConformanceIT {
    private static TestProduct product;

    @BeforeAll
    static void start() {
        product = TestProduct.start(Map.of());
    }

    @AfterAll
    static void stop() {
        product.close();
    }

    private static TestMqtt client(String id) {
        return TestMqtt.connect(product.mqttPort(), id);
    }

    private static Mqtt5BlockingClient persistent(String id, long sessionExpiry) {
        Mqtt5BlockingClient c = Mqtt5Client.builder()
                .identifier(id)
                .serverHost("127.0.0.1")
                .serverPort(product.mqttPort())
                .buildBlocking();
        c.connectWith().cleanStart(false).sessionExpiryInterval(sessionExpiry).send();
        return c;
    }

    @Test
    void basic() {
        try (TestMqtt a = client("conf-basic").subscribe("TopicA")) {
            for (MqttQos qos : MqttQos.values()) {
                a.client()
                        .publishWith()
                        .topic("TopicA")
                        .qos(qos)
                        .payload(("qos " + qos.getCode()).getBytes())
                        .send();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> a.on("TopicA").size() == 3);
        }
    }

    @Test
    void retained_messages() {
        try (TestMqtt publisher = client("conf-retain-pub")) {
            for (String t : List.of("TopicA/B", "Topic/C", "TopicA/C")) {
                publisher
                        .client()
                        .publishWith()
                        .topic(t)
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .retain(true)
                        .payload("retained".getBytes())
                        .send();
            }
            try (TestMqtt late = client("conf-retain-sub").subscribe("TopicA/+", "Topic/+")) {
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> late.received().size() == 3);
                assertThat(late.received()).allMatch(TestMqtt.Received::retain);
            }
            for (String t : List.of("TopicA/B", "Topic/C", "TopicA/C")) {
                publisher
                        .client()
                        .publishWith()
                        .topic(t)
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .retain(true)
                        .send();
            }
            try (TestMqtt cleared = client("conf-retain-cleared").subscribe("TopicA/+", "Topic/+")) {
                cleared.publish("TopicA/marker", "after");
                cleared.await("TopicA/marker", r -> true);
                assertThat(cleared.received())
                        .extracting(TestMqtt.Received::topic)
                        .containsExactly("TopicA/marker");
            }
        }
    }

    @Test
    void offline_message_queueing() throws Exception {
        Mqtt5BlockingClient offline = persistent("conf-offline", 60);
        offline.subscribeWith()
                .topicFilter("TopicA/offline")
                .qos(MqttQos.EXACTLY_ONCE)
                .send();
        offline.disconnect();
        try (TestMqtt publisher = client("conf-offline-pub")) {
            for (MqttQos qos : MqttQos.values()) {
                publisher
                        .client()
                        .publishWith()
                        .topic("TopicA/offline")
                        .qos(qos)
                        .payload("queued".getBytes())
                        .send();
            }
        }
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes =
                offline.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            Mqtt5ConnAck ack = offline.connectWith()
                    .cleanStart(false)
                    .sessionExpiryInterval(0)
                    .send();
            assertThat(ack.isSessionPresent()).isTrue();
            int got = 0;
            while (publishes.receive(5, TimeUnit.SECONDS).isPresent()) {
                got++;
            }
            assertThat(got)
                    .as("QoS 1 and 2 are kept for an offline session (QoS 0 may be)")
                    .isBetween(2, 3);
        } finally {
            offline.disconnect();
        }
    }

    @Test
    void will_message() {
        try (TestMqtt watcher = client("conf-will-watcher").subscribe("TopicA/will")) {
            RawMqtt.connectWithWill(product.mqttPort(), "conf-will", "TopicA/will", "gone".getBytes(), false)
                    .close();
            assertThat(watcher.await("TopicA/will", r -> true).text()).isEqualTo("gone");
        }
    }

    @Test
    void unsubscribe() {
        try (TestMqtt a = client("conf-unsub").subscribe("TopicA/u1", "TopicA/u2")) {
            a.client().unsubscribeWith().topicFilter("TopicA/u1").send();
            a.publish("TopicA/u1", "not for me");
            a.publish("TopicA/u2", "for me");
            a.await("TopicA/u2", r -> true);
            assertThat(a.on("TopicA/u1")).isEmpty();
        }
    }

    @Test
    void user_properties_and_payload_format() {
        try (TestMqtt a = client("conf-props").subscribe("TopicA/props")) {
            a.client()
                    .publishWith()
                    .topic("TopicA/props")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .userProperties()
                    .add("a", "2")
                    .add("c", "3")
                    .add("a", "1")
                    .applyUserProperties()
                    .payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8)
                    .contentType("text/plain")
                    .payload("属性".getBytes(StandardCharsets.UTF_8))
                    .send();
            TestMqtt.Received r = a.await("TopicA/props", x -> true);
            assertThat(r.text()).isEqualTo("属性");
            assertThat(r.userProperties()).containsKeys("a", "c");
        }
    }

    @Test
    void request_response() throws Exception {
        try (TestMqtt responder = client("conf-responder");
                Mqtt5BlockingClient.Mqtt5Publishes requests =
                        responder.client().publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            responder
                    .client()
                    .subscribeWith()
                    .topicFilter("TopicA/request")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();
            try (TestMqtt requester = client("conf-requester")) {
                requester
                        .client()
                        .publishWith()
                        .topic("TopicA/request")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .responseTopic("TopicA/response/conf-requester")
                        .correlationData("id-42".getBytes())
                        .payload("q".getBytes())
                        .send();
                Optional<Mqtt5Publish> request = requests.receive(10, TimeUnit.SECONDS);
                assertThat(request).isPresent();
                assertThat(request.get().getResponseTopic().map(Object::toString))
                        .hasValue("TopicA/response/conf-requester");
                assertThat(request.get()
                                .getCorrelationData()
                                .map(b -> StandardCharsets.UTF_8.decode(b).toString()))
                        .hasValue("id-42");
            }
        }
    }

    @Test
    void assigned_clientid() {
        Mqtt5BlockingClient c = Mqtt5Client.builder()
                .serverHost("127.0.0.1")
                .serverPort(product.mqttPort())
                .buildBlocking();
        Mqtt5ConnAck ack = c.connect();
        try {
            assertThat(ack.getAssignedClientIdentifier()).isPresent();
        } finally {
            c.disconnect();
        }
    }

    @Test
    void maximum_packet_size_is_announced() {
        Mqtt5BlockingClient c = Mqtt5Client.builder()
                .identifier("conf-max-packet")
                .serverHost("127.0.0.1")
                .serverPort(product.mqttPort())
                .buildBlocking();
        Mqtt5ConnAck ack = c.connect();
        try {
            assertThat(ack.getRestrictions().getMaximumPacketSize()).isEqualTo(BrokerLimits.DEFAULTS.maxPacketSize());
        } finally {
            c.disconnect();
        }
    }

    @Test
    void shared_subscriptions() {
        try (TestMqtt one = client("conf-share-1").subscribe("$share/g/TopicA/shared");
                TestMqtt two = client("conf-share-2").subscribe("$share/g/TopicA/shared");
                TestMqtt publisher = client("conf-share-pub")) {
            for (int i = 0; i < 10; i++) {
                publisher.publish("TopicA/shared", "m" + i);
            }
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> one.on("TopicA/shared").size()
                                    + two.on("TopicA/shared").size()
                            == 10);
        }
    }

    @Test
    void subscribe_failure_on_what_the_policy_keeps_private() {
        // the suite subscribes to a topic its broker is configured to refuse; the product refuses other clients'
        // private topics
        try (TestMqtt a = client("conf-subfail")) {
            assertThatThrownBy(() -> a.subscribe("chatroom/clients/someone-else/errors"))
                    .isInstanceOfSatisfying(
                            Mqtt5SubAckException.class,
                            e -> assertThat(e.getMqttMessage().getReasonCodes())
                                    .containsExactly(Mqtt5SubAckReasonCode.NOT_AUTHORIZED));
            assertThat(a.client().getState().isConnected()).isTrue();
        }
    }

    @Test
    void session_expiry() {
        Mqtt5BlockingClient c = persistent("conf-expiry", 1);
        c.subscribeWith()
                .topicFilter("TopicA/expiry")
                .qos(MqttQos.AT_LEAST_ONCE)
                .send();
        c.disconnect();
        // each look renews the 1 s session, so look less often than that (plus the broker's 500 ms scan)
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofSeconds(3))
                .until(() -> {
                    Mqtt5ConnAck ack = c.connectWith()
                            .cleanStart(false)
                            .sessionExpiryInterval(1)
                            .send();
                    c.disconnect();
                    return !ack.isSessionPresent();
                });
    }

    @Test
    void user_property_order_is_kept() {
        try (TestMqtt a = client("conf-prop-order");
                Mqtt5BlockingClient.Mqtt5Publishes in =
                        a.client().publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            a.client().subscribeWith().topicFilter("TopicA/order").send();
            a.client()
                    .publishWith()
                    .topic("TopicA/order")
                    .userProperties()
                    .add("x", "1")
                    .add("y", "2")
                    .add("x", "3")
                    .applyUserProperties()
                    .send();
            Mqtt5Publish p = in.receive(10, TimeUnit.SECONDS).orElseThrow();
            assertThat(p.getUserProperties().asList())
                    .extracting(Mqtt5UserProperty::getValue)
                    .map(Object::toString)
                    .containsSubsequence("1", "2", "3");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
