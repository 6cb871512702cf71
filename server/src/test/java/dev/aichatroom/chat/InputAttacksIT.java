package dev.aichatroom.chat;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Hostile input (issue 15) from stock clients against the embedded broker: the room must stay up and clean. */
@Timeout(120)
class InputAttacksIT {
    private static TestProduct product;
    private static TestMqtt observer;

    @BeforeAll
    static void start() {
        product = TestProduct.start(Map.of("CHAT_RATE_PER_MINUTE", "6000", "CHAT_RATE_BURST", "100"));
        observer = TestMqtt.connect(product.mqttPort(), "observer-" + UUID.randomUUID())
                .subscribe("chatroom/messages/out", "chatroom/system");
    }

    @AfterAll
    static void stop() {
        observer.close();
        product.close();
    }

    private static String id() {
        return "c-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A plain message from a fresh client reaches {@code messages/out}. */
    private static void roomStillTalks() {
        String client = id();
        try (TestMqtt c = TestMqtt.connect(product.mqttPort(), client)) {
            c.publish(
                    "chatroom/messages/in",
                    "{\"client_id\":\"" + client + "\",\"username\":\"u\",\"message\":\"still here\"}");
            observer.await(
                    "chatroom/messages/out",
                    r -> r.json().path("client_id").asText().equals(client),
                    Duration.ofSeconds(20));
        }
    }

    @Test
    void client_ids_that_cannot_name_a_topic_do_not_use_up_the_publish_permits() throws Exception {
        // 10,050 refused inputs whose client_id holds U+0000 or a lone surrogate: each error reply used to throw
        // before giving back its publish permit, and after 10,000 the service never published again
        try (TestMqtt attacker = TestMqtt.connect(product.mqttPort(), id())) {
            List<CompletableFuture<?>> sent = new ArrayList<>();
            for (int i = 0; i < 10_050; i++) {
                String clientId = i % 2 == 0 ? "x\\u0000" + i : "x\\ud800" + i;
                sent.add(attacker.client()
                        .toAsync()
                        .publishWith()
                        .topic("chatroom/messages/in")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(("{\"client_id\":\"" + clientId + "\",\"username\":\"u\",\"message\":\"\"}")
                                .getBytes(StandardCharsets.UTF_8))
                        .send()
                        .handle((ack, refused) -> ack)); // each is refused with a PUBACK error code
            }
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(90, TimeUnit.SECONDS);
        }
        roomStillTalks();
    }
}
