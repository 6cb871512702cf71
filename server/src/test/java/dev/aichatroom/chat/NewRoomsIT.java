package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import dev.aichatroom.mqtt.Json;
import dev.aichatroom.testing.TestProduct;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Rooms nobody has used yet, on the embedded broker (Artemis creates a room's addresses on its first publish, and
 * binds the service's {@code chatroom/+/messages/in} and a reader's {@code chatroom/+/messages/out} wildcard
 * subscriptions to them then): the first messages of many new rooms, published at once, all come out. The bench's
 * curve once counted 4 lost at its first 10-room point (rooms {@code b0}…{@code b9}, new then).
 */
@Timeout(120)
class NewRoomsIT {
    @Test
    void the_first_messages_of_new_rooms_published_at_once_all_come_out_on_a_wildcard_subscription() {
        int rooms = 200;
        int perRoom = 5;
        try (TestProduct product = TestProduct.start(Map.of("CHAT_RATE_PER_MINUTE", "0"))) {
            Set<String> out = ConcurrentHashMap.newKeySet();
            Mqtt5AsyncClient reader = client(product.mqttPort(), "new-rooms-reader");
            reader.publishes(
                    MqttGlobalPublishFilter.ALL,
                    p -> Json.tree(p.getPayloadAsBytes())
                            .ifPresent(j -> out.add(j.path("content").asText())));
            reader.subscribeWith()
                    .topicFilter("chatroom/+/messages/out")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send()
                    .join();
            List<Mqtt5AsyncClient> publishers = IntStream.range(0, 4)
                    .mapToObj(i -> client(product.mqttPort(), "new-rooms-pub-" + i))
                    .toList();

            List<CompletableFuture<?>> acks = new ArrayList<>();
            for (int m = 0; m < perRoom; m++) {
                for (int r = 0; r < rooms; r++) {
                    String text = "r" + r + "-m" + m;
                    String payload = "{\"client_id\":\"new-rooms-pub-" + (r % 4) + "\",\"username\":\"n\","
                            + "\"message_id\":\"" + text + "\",\"message\":\"" + text + "\"}";
                    acks.add(publishers
                            .get(r % 4)
                            .publishWith()
                            .topic("chatroom/nr" + r + "/messages/in")
                            .qos(MqttQos.AT_LEAST_ONCE)
                            .payload(payload.getBytes(StandardCharsets.UTF_8))
                            .send());
                }
            }
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new))
                    .orTimeout(60, TimeUnit.SECONDS)
                    .join();
            List<String> expected = IntStream.range(0, rooms)
                    .boxed()
                    .flatMap(r -> IntStream.range(0, perRoom).mapToObj(m -> "r" + r + "-m" + m))
                    .toList();
            try {
                await().atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> out.containsAll(expected));
            } finally {
                assertThat(expected.stream().filter(t -> !out.contains(t)).toList())
                        .as("messages of new rooms that never came out")
                        .isEmpty();
            }
            publishers.forEach(Mqtt5AsyncClient::disconnect);
            reader.disconnect();
        }
    }

    private static Mqtt5AsyncClient client(int port, String id) {
        Mqtt5AsyncClient c = MqttClient.builder()
                .useMqttVersion5()
                .identifier(id)
                .serverHost("127.0.0.1")
                .serverPort(port)
                .buildAsync();
        c.connect().join();
        return c;
    }
}
