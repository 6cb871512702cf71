package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The message store failing under the service: here another program holding SQLite's write lock past the service's
 * busy timeout, as an operator's {@code sqlite3} shell in a transaction would. The embedded broker acknowledges an
 * input to its sender once the service has stored it (decision 0050; an external broker acknowledges it once it has
 * queued it), so the service keeps it, in order, and stores and publishes it once the store takes it: nothing
 * accepted is lost, and nothing comes out twice after a restart.
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
            java.util.concurrent.CompletableFuture<com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult>
                    first;
            java.util.concurrent.CompletableFuture<com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult>
                    second;
            try (Connection lock = DriverManager.getConnection(db);
                    Statement st = lock.createStatement()) {
                st.execute("BEGIN EXCLUSIVE");
                first = sender.publishAsync(
                        "chatroom/messages/in",
                        "{\"client_id\":\"sender-1\",\"username\":\"u\",\"message\":\"while locked\"}");
                second = sender.publishAsync(
                        "chatroom/messages/in",
                        "{\"client_id\":\"sender-1\",\"username\":\"u\",\"message\":\"second while locked\"}");
                // past the store's 5 s busy timeout: the first attempt has failed (the bound only matters if an
                // output comes out; a pause of the machine between two polls must not fail it); the embedded
                // broker acknowledges an input once the service has stored it (decision 0050): not yet
                await().during(Duration.ofSeconds(7))
                        .atMost(Duration.ofSeconds(30))
                        .until(() -> observer.on("chatroom/messages/out").isEmpty() && !first.isDone());
                assertThat(sender.on("chatroom/clients/sender-1/errors")).isEmpty();
                st.execute("ROLLBACK");
            }
            assertThat(first.get(30, java.util.concurrent.TimeUnit.SECONDS).getError())
                    .isEmpty();
            assertThat(second.get(30, java.util.concurrent.TimeUnit.SECONDS).getError())
                    .isEmpty();
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> observer.on("chatroom/messages/out").size() >= 2);
            // each once, in the sender's order: as the subscriber receives them (the embedded broker keeps one
            // publisher's order, decision 0032), and as the message_id (UUIDv7) and the store say it
            List<JsonNode> outputs = observer.on("chatroom/messages/out").stream()
                    .map(TestMqtt.Received::json)
                    .toList();
            assertThat(outputs)
                    .extracting(j -> j.path("content").asText())
                    .containsExactly("while locked", "second while locked");
            assertThat(outputs.get(0).path("message_id").asText())
                    .isLessThan(outputs.get(1).path("message_id").asText());
            assertThat(product.get("/api/rooms/main/messages").body())
                    .containsSubsequence("\"while locked\"", "\"second while locked\"");

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
                        .atMost(Duration.ofSeconds(10))
                        .until(() -> true);
                assertThat(again.on("chatroom/messages/out"))
                        .as("taken once: nothing is handed to the restarted service again")
                        .noneMatch(r -> r.text().contains("while locked"));
            }
            assertThat(product.get("/api/rooms/main/messages").body()).containsOnlyOnce("\"while locked\"");
        }
    }
}
