package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import dev.aichatroom.testing.Mosquitto;
import dev.aichatroom.testing.Processes;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Inputs are never retained: a retained join does not bring back a ghost member after a restart. */
@Timeout(120)
class RetainedInputsIT {
    private static final String GHOST_JOIN = "{\"client_id\":\"ghost\",\"username\":\"Ghost\"}";

    @Test
    void the_embedded_broker_refuses_a_retained_input_and_no_ghost_comes_back_after_a_restart() {
        try (TestProduct product = TestProduct.start()) {
            try (TestMqtt ghost = TestMqtt.connect(product.mqttPort(), "ghost")) {
                assertThatThrownBy(() -> ghost.client()
                                .publishWith()
                                .topic("chatroom/users/join")
                                .qos(MqttQos.AT_LEAST_ONCE)
                                .retain(true)
                                .payload(GHOST_JOIN.getBytes(StandardCharsets.UTF_8))
                                .send())
                        .isInstanceOfSatisfying(
                                Mqtt5PubAckException.class,
                                e -> assertThat(e.getMqttMessage().getReasonCode())
                                        .isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED));
            }
            // a stock client too (QoS 1, retained)
            Processes.run(List.of(
                    "mosquitto_pub",
                    "-h",
                    "127.0.0.1",
                    "-p",
                    Integer.toString(product.mqttPort()),
                    "-i",
                    "ghost",
                    "-q",
                    "1",
                    "-r",
                    "-t",
                    "chatroom/users/join",
                    "-m",
                    GHOST_JOIN));
            product.restart();
            assertNoGhostOnceAMarkerJoined(product.mqttPort(), product);
        }
    }

    @Test
    void on_an_external_broker_the_service_clears_a_retained_input_and_does_not_act_on_it() {
        try (Mosquitto mosquitto = Mosquitto.start(true)) {
            // left on the broker while the service was away
            Processes.run(List.of(
                    "mosquitto_pub",
                    "-h",
                    "127.0.0.1",
                    "-p",
                    Integer.toString(mosquitto.port()),
                    "-q",
                    "1",
                    "-r",
                    "-t",
                    "chatroom/users/join",
                    "-m",
                    GHOST_JOIN));
            try (TestProduct product = TestProduct.start(
                    Map.of("MQTT_BROKER", "127.0.0.1", "MQTT_PORT", Integer.toString(mosquitto.port())))) {
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> !hasRetained(mosquitto.port(), "chatroom/users/join"));
                assertNoGhostOnceAMarkerJoined(mosquitto.port(), product);
            }
        }
    }

    private static boolean hasRetained(int port, String topic) {
        try {
            Processes.run(List.of(
                    "mosquitto_sub",
                    "-h",
                    "127.0.0.1",
                    "-p",
                    Integer.toString(port),
                    "-t",
                    topic,
                    "--retained-only",
                    "-C",
                    "1",
                    "-W",
                    "1"));
            return true;
        } catch (AssertionError e) {
            if (e.getMessage().contains("exited 27")) {
                return false; // timed out: nothing retained
            }
            throw e;
        }
    }

    /** A join sent after the retained one is handled after it: once the marker is a member, the ghost would be too. */
    private static void assertNoGhostOnceAMarkerJoined(int mqttPort, TestProduct product) {
        try (TestMqtt marker = TestMqtt.connect(mqttPort, "marker")) {
            marker.publish("chatroom/users/join", "{\"client_id\":\"marker\",\"username\":\"Marker\"}");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> product.get("/mqtt/status").body().contains("\"marker\""));
            assertThat(product.get("/mqtt/status").body()).doesNotContain("\"ghost\"");
        }
    }
}
