package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import dev.aichatroom.testing.AckDroppingProxy;
import dev.aichatroom.testing.ChatTraffic;
import dev.aichatroom.testing.Mosquitto;
import dev.aichatroom.testing.TestProduct;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Inputs without a {@code message_id} that the service holds, unacknowledged or acknowledged too late, when its
 * connection goes (here: Debian's Mosquitto restarted with persistence, as in the fault bench's broker-sigterm
 * scenario): the broker hands them over again on the next connection, and each must still be taken once. Before the
 * fix the copies still queued in the service were taken, and so were their redeliveries (about 1,000 of 20,000 inputs
 * came out twice in the bench).
 */
@Timeout(240)
class RedeliveryIT {
    @Test
    void inputs_without_message_id_held_by_the_service_when_the_broker_restarts_come_out_once_each() {
        int n = 12_000;
        try (Mosquitto mosquitto = Mosquitto.start(true, "max_queued_messages 0\n");
                TestProduct product = TestProduct.start(Map.of(
                        "MQTT_BROKER", "127.0.0.1",
                        "MQTT_PORT", Integer.toString(mosquitto.port()),
                        "MQTT_CLIENT_ID", "chat-service-redelivery",
                        "CHAT_RATE_PER_MINUTE", "0"))) {
            // the consumer keeps its session over the restart; a repeat with the same message_id would be the broker
            // redelivering one output, not the service taking an input twice, so ids are counted per text
            Map<String, Set<String>> idsByText = new ConcurrentHashMap<>();
            Mqtt5AsyncClient observer = ChatTraffic.watchOutputs(
                    mosquitto.port(),
                    "redelivery-observer",
                    ChatTraffic.Session.PERSISTENT,
                    MqttQos.AT_LEAST_ONCE,
                    j -> idsByText
                            .computeIfAbsent(j.path("content").asText(), t -> ConcurrentHashMap.newKeySet())
                            .add(j.path("message_id").asText()));

            ChatTraffic.publishInputs(
                    mosquitto.port(),
                    "redelivery-pub",
                    n,
                    2_000,
                    i -> "{\"client_id\":\"dev-redelivery\",\"username\":\"d\",\"message\":\"held-" + i + "\"}");
            mosquitto.restart(); // while the service still works through them
            ChatTraffic.awaitAllThenSettle(
                    Duration.ofSeconds(180),
                    () -> idsByText.keySet().stream()
                                    .filter(t -> t.startsWith("held-"))
                                    .count()
                            == n);
            List<String> takenTwice = idsByText.entrySet().stream()
                    .filter(e -> e.getValue().size() > 1)
                    .map(Map.Entry::getKey)
                    .toList();
            assertThat(takenTwice).as("inputs taken more than once").isEmpty();
            observer.disconnect();
        }
    }

    /**
     * The broker hands the service's connection inputs without a {@code message_id}, and the connection is reset before
     * the service's acknowledgements reach the broker, three connections in a row (as Debian's Mosquitto 2.0.11 did
     * right after a restart from an older save, decision 0022): each input comes on every one of those connections and
     * must come out once, in the order sent. Before the fix a redelivery recognised on the second connection used up
     * its ledger entry, and the third copy was taken again: all 20 inputs the broker had in flight came out twice.
     */
    @Test
    void inputs_without_message_id_redelivered_over_connections_reset_in_a_row_come_out_once_in_order() {
        int n = 200;
        int inFlight = 20; // Mosquitto's max_inflight_messages: what it hands the service before it waits for PUBACKs
        try (Mosquitto mosquitto = Mosquitto.start(false, "max_queued_messages 0\n");
                AckDroppingProxy proxy = new AckDroppingProxy(mosquitto.port());
                TestProduct product = TestProduct.start(Map.of(
                        "MQTT_BROKER", "127.0.0.1",
                        "MQTT_PORT", Integer.toString(proxy.port()),
                        "MQTT_CLIENT_ID", "chat-service-flapping",
                        // the output witness reads on a connection of its own (decision 0040), which would go through
                        // the proxy too and take some of its resets: this test is about the inputs' one connection
                        "CHAT_OUTPUT_WITNESS", "false",
                        "VOICE_ENABLE", "false",
                        "MCP_ENABLE", "false",
                        "CHAT_RATE_PER_MINUTE", "0"))) {
            await().atMost(Duration.ofSeconds(120))
                    .until(() -> product.get("/health").statusCode() == 200);
            List<String> arrivals = new CopyOnWriteArrayList<>();
            Map<String, Set<String>> idsByText = new ConcurrentHashMap<>();
            Mqtt5AsyncClient observer = ChatTraffic.watchOutputs(
                    mosquitto.port(), "flapping-observer", ChatTraffic.Session.PERSISTENT, MqttQos.AT_LEAST_ONCE, j -> {
                        String text = j.path("content").asText();
                        if (text.startsWith("flap-")
                                && idsByText
                                        .computeIfAbsent(text, t -> ConcurrentHashMap.newKeySet())
                                        .add(j.path("message_id").asText())) {
                            arrivals.add(text);
                        }
                    });

            proxy.loseClientAcksAndCut(inFlight, 3);
            ChatTraffic.publishInputs(
                    mosquitto.port(),
                    "flapping-pub",
                    n,
                    1_000,
                    i -> "{\"client_id\":\"dev-flapping\",\"username\":\"d\",\"message\":\"flap-" + i + "\"}");
            ChatTraffic.awaitAllThenSettle(Duration.ofSeconds(120), () -> idsByText.size() == n);

            assertThat(proxy.cuts())
                    .as("connections reset before their acknowledgements arrived")
                    .isEqualTo(3);
            List<String> takenTwice = idsByText.entrySet().stream()
                    .filter(e -> e.getValue().size() > 1)
                    .map(Map.Entry::getKey)
                    .sorted()
                    .toList();
            assertThat(takenTwice).as("inputs taken more than once").isEmpty();
            List<Integer> order = arrivals.stream()
                    .map(t -> Integer.parseInt(t.substring("flap-".length())))
                    .toList();
            assertThat(order).as("the publisher's order").isSorted();
            observer.disconnect();
        }
    }
}
