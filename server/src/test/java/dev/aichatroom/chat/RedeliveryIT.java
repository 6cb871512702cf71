package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import dev.aichatroom.testing.ChatTraffic;
import dev.aichatroom.testing.Mosquitto;
import dev.aichatroom.testing.TestProduct;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
}
