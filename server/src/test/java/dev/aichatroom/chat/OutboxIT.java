package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aichatroom.mqtt.Inbound;
import dev.aichatroom.testing.Mosquitto;
import dev.aichatroom.testing.Processes;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The service killed at the worst moments, on Debian's Mosquitto with persistence: the store is left as a crash leaves
 * it (a message stored and not yet marked published; an input without a key stored and not yet acknowledged, which
 * the broker hands over again), and the restarted service puts each on {@code messages/out} exactly once.
 */
@Timeout(90)
class OutboxIT {
    private static final String SERVICE = "chat-service-outbox";

    @Test
    void a_message_stored_but_not_published_before_a_crash_is_published_once_at_start() throws Exception {
        try (Mosquitto mosquitto = Mosquitto.start(true);
                TestProduct product = start(mosquitto);
                TestMqtt observer =
                        TestMqtt.connect(mosquitto.port(), "outbox-observer").subscribe("chatroom/messages/out")) {
            product.stop();
            storeUnpublished(product, "0190a000-0000-7000-8000-000000000001", "left in the outbox", "", "");
            product.restart();
            observer.await("chatroom/messages/out", r -> r.text().contains("left in the outbox"));
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> true);
            assertThat(observer.on("chatroom/messages/out"))
                    .filteredOn(r -> r.text().contains("left in the outbox"))
                    .hasSize(1);

            product.restart(); // marked published: not again
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> true);
            assertThat(observer.on("chatroom/messages/out"))
                    .filteredOn(r -> r.text().contains("left in the outbox"))
                    .hasSize(1);
        }
    }

    @Test
    void an_input_without_message_id_redelivered_after_a_crash_is_not_taken_twice() throws Exception {
        try (Mosquitto mosquitto = Mosquitto.start(true);
                TestProduct product = start(mosquitto);
                TestMqtt observer =
                        TestMqtt.connect(mosquitto.port(), "ledger-observer").subscribe("chatroom/messages/out")) {
            String payload = "{\"client_id\":\"dev-1\",\"username\":\"设备\",\"message\":\"no key, once\"}";
            product.stop();
            // as a kill leaves it: stored (not yet published), in the ledger, and not acknowledged, so the broker
            // still holds the input for the service's session and hands it over again
            String hash = ChatService.inputHash(
                    new Inbound("chatroom/messages/in", payload.getBytes(StandardCharsets.UTF_8), List.of(), () -> {}));
            storeUnpublished(product, "0190a000-0000-7000-8000-000000000002", "no key, once", hash, "killed/1");
            Processes.mosquittoPub(mosquitto.port(), "chatroom/messages/in", payload);
            // and the same text sent again by the device afterwards is a new message
            Processes.mosquittoPub(mosquitto.port(), "chatroom/messages/in", payload);
            product.restart();
            observer.await("chatroom/messages/out", r -> r.text().contains("no key, once"));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> observer.on("chatroom/messages/out").stream()
                                    .filter(r -> r.text().contains("no key, once"))
                                    .count()
                            >= 2);
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> true);
            assertThat(observer.on("chatroom/messages/out"))
                    .as("the stored one once, the redelivery skipped, the later resend taken")
                    .filteredOn(r -> r.text().contains("no key, once"))
                    .hasSize(2);
        }
    }

    private static TestProduct start(Mosquitto mosquitto) {
        return TestProduct.start(Map.of(
                "MQTT_BROKER",
                "127.0.0.1",
                "MQTT_PORT",
                Integer.toString(mosquitto.port()),
                "MQTT_CLIENT_ID",
                SERVICE));
    }

    private static void storeUnpublished(TestProduct product, String id, String text, String hash, String connection)
            throws Exception {
        try (Connection c = DriverManager.getConnection(
                        "jdbc:sqlite:" + product.dataDir().resolve("chatroom.db"));
                PreparedStatement ps = c.prepareStatement("INSERT INTO messages (message_id, room, type, client_id,"
                        + " username, content, source, created_at, published, instance)"
                        + " VALUES (?, 'main', 'user_message', 'dev-1', '设备', ?, 'mqtt', '2026-12-05T00:00:00.000Z',"
                        + " 0, ?)")) {
            ps.setString(1, id);
            ps.setString(2, text);
            ps.setString(3, SERVICE);
            ps.executeUpdate();
            if (!hash.isEmpty()) {
                try (PreparedStatement l = c.prepareStatement("INSERT INTO input_ledger (input_hash, message_id,"
                        + " connection, created) VALUES (?, ?, ?, 0)")) {
                    l.setString(1, hash);
                    l.setString(2, id);
                    l.setString(3, connection);
                    l.executeUpdate();
                }
            }
        }
    }
}
