package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The message store failing under the service: here another program holding SQLite's write lock past the service's
 * busy timeout, as an operator's {@code sqlite3} shell in a transaction would. The sender is told, the input is
 * acknowledged (so the broker's in-flight window does not fill up with it), and the room goes on once the lock is gone.
 */
@Timeout(90)
class StoreOutageIT {
    @Test
    void a_message_the_store_cannot_take_gets_unavailable_and_is_not_redelivered_later() throws Exception {
        try (TestProduct product = TestProduct.start(Map.of());
                TestMqtt observer =
                        TestMqtt.connect(product.mqttPort(), "observer").subscribe("chatroom/messages/out");
                TestMqtt sender =
                        TestMqtt.connect(product.mqttPort(), "sender-1").subscribe("chatroom/clients/sender-1/#")) {
            String db = "jdbc:sqlite:" + product.dataDir().resolve("chatroom.db");
            try (Connection lock = DriverManager.getConnection(db);
                    Statement st = lock.createStatement()) {
                st.execute("BEGIN EXCLUSIVE");
                sender.publish(
                        "chatroom/messages/in",
                        "{\"client_id\":\"sender-1\",\"username\":\"u\",\"message\":\"while locked\"}");
                TestMqtt.Received error = sender.await(
                        "chatroom/clients/sender-1/errors",
                        r -> r.json().path("code").asText().equals("UNAVAILABLE"),
                        Duration.ofSeconds(20));
                assertThat(error.json().path("message").asText()).contains("not sent");
                st.execute("ROLLBACK");
            }

            sender.publish(
                    "chatroom/messages/in",
                    "{\"client_id\":\"sender-1\",\"username\":\"u\",\"message\":\"after the lock\"}");
            observer.await("chatroom/messages/out", r -> r.text().contains("after the lock"));

            // the embedded broker restarts with the product and keeps the service's session: an input the service
            // had left unacknowledged would be handed to it again now
            product.restart();
            try (TestMqtt again =
                            TestMqtt.connect(product.mqttPort(), "observer-2").subscribe("chatroom/messages/out");
                    TestMqtt sender2 = TestMqtt.connect(product.mqttPort(), "sender-2")) {
                sender2.publish(
                        "chatroom/messages/in",
                        "{\"client_id\":\"sender-2\",\"username\":\"u\",\"message\":\"after the restart\"}");
                again.await(
                        "chatroom/messages/out", r -> r.text().contains("after the restart"), Duration.ofSeconds(20));
                await().during(Duration.ofMillis(500))
                        .atMost(Duration.ofSeconds(3))
                        .until(() -> true);
                assertThat(again.on("chatroom/messages/out"))
                        .as("the refused input was acknowledged: the broker does not hand it to the restarted service")
                        .noneMatch(r -> r.text().contains("while locked"));
            }
            assertThat(product.get("/api/rooms/main/messages").body()).doesNotContain("while locked");
        }
    }
}
