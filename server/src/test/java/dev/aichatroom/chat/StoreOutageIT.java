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
 * busy timeout, as an operator's {@code sqlite3} shell in a transaction would. The broker has already acknowledged the
 * input to its sender, so the service keeps it (unacknowledged, in order) and publishes it once the store takes it:
 * nothing accepted is lost, and nothing comes out twice after a restart.
 */
@Timeout(90)
class StoreOutageIT {
    @Test
    void a_message_the_store_cannot_take_yet_waits_and_comes_out_once_when_the_store_is_back() throws Exception {
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
                sender.publish(
                        "chatroom/messages/in",
                        "{\"client_id\":\"sender-1\",\"username\":\"u\",\"message\":\"second while locked\"}");
                // past the store's 5 s busy timeout: the first attempt has failed
                await().during(Duration.ofSeconds(7))
                        .atMost(Duration.ofSeconds(9))
                        .until(() -> observer.on("chatroom/messages/out").isEmpty());
                assertThat(sender.on("chatroom/clients/sender-1/errors")).isEmpty();
                st.execute("ROLLBACK");
            }
            observer.await(
                    "chatroom/messages/out", r -> r.text().contains("second while locked"), Duration.ofSeconds(20));
            assertThat(observer.on("chatroom/messages/out"))
                    .extracting(r -> r.json().path("content").asText())
                    .containsExactly("while locked", "second while locked");

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
                        .as("taken once: nothing is handed to the restarted service again")
                        .noneMatch(r -> r.text().contains("while locked"));
            }
            assertThat(product.get("/api/rooms/main/messages").body()).containsOnlyOnce("\"while locked\"");
        }
    }
}
