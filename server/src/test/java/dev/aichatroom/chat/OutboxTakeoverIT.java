package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aichatroom.testing.Mosquitto;
import dev.aichatroom.testing.ScaleOutFixture;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two instances ({@code CHAT_SHARED_GROUP}) on Debian's Mosquitto and one PostgreSQL ({@code TEST_POSTGRES_URL}, a
 * schema of its own). Instance b is stopped with messages in its outbox, stored and never published, as a kill
 * between storing and publishing leaves them: the live instance a publishes them once each, in the order stored, after
 * {@code CHAT_INSTANCE_TIMEOUT}, and b started again does not publish them a second time. While b is alive, a leaves
 * b's outbox alone.
 */
@Timeout(120)
class OutboxTakeoverIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private static ScaleOutFixture instances;
    private static Mosquitto mosquitto;
    private static TestProduct a;
    private static TestProduct b;
    private static TestMqtt observer;

    @BeforeAll
    static void start() throws SQLException {
        instances = ScaleOutFixture.create("takeover");
        mosquitto = Mosquitto.start(true);
        a = instance("takeover-a");
        b = instance("takeover-b");
        // rows this test stores must come after b's start-up recovery, or b publishes them as its own leftovers
        a.awaitChatRunning(Duration.ofSeconds(30));
        b.awaitChatRunning(Duration.ofSeconds(30));
        observer = TestMqtt.connect(mosquitto.port(), "takeover-observer").subscribe("chatroom/messages/out");
    }

    private static TestProduct instance(String clientId) {
        return instances.start(
                clientId,
                mosquitto.port(),
                Map.of(
                        "CHAT_INSTANCE_TIMEOUT",
                        Long.toString(TIMEOUT.toSeconds()),
                        "VOICE_ENABLE",
                        "false",
                        "MCP_ENABLE",
                        "false"));
    }

    @AfterAll
    static void stop() {
        ScaleOutFixture.closeAll(observer, instances, mosquitto);
    }

    @Test
    void what_a_killed_instance_stored_and_did_not_publish_is_published_once_by_the_live_one_and_not_again()
            throws Exception {
        // b is alive: what it has in its outbox is its own to publish, however long it takes
        storeUnpublished("takeover-b", "in b's outbox while b lives");
        await().during(TIMEOUT.multipliedBy(3))
                .atMost(TIMEOUT.multipliedBy(4))
                .until(() -> outputs("in b's outbox").isEmpty());

        b.stop();
        for (int i = 1; i <= 3; i++) {
            storeUnpublished("takeover-b", "left by b " + i); // stored, then killed before publishing
        }
        List<String> expected = List.of("in b's outbox while b lives", "left by b 1", "left by b 2", "left by b 3");
        await().atMost(Duration.ofSeconds(30)).until(() -> outputs("").size() >= expected.size());
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> true);
        assertThat(outputs("")).as("once each, in the order b stored them").containsExactlyElementsOf(expected);
        assertThat(owners()).as("now a's, and published").containsOnly("takeover-a:true");

        b.restart(); // it finds nothing of its own left to publish
        await().atMost(Duration.ofSeconds(30)).until(() -> b.get("/health").statusCode() == 200);
        b.awaitChatRunning(Duration.ofSeconds(30));
        await().during(TIMEOUT.multipliedBy(2)).atMost(TIMEOUT.multipliedBy(3)).until(() -> true);
        assertThat(outputs("")).as("not again after b restarted").containsExactlyElementsOf(expected);
    }

    /** The contents on {@code messages/out} that this test stored (they all start with the prefixes used here). */
    private static List<String> outputs(String prefix) {
        return observer.on("chatroom/messages/out").stream()
                .map(r -> r.json().path("content").asText())
                .filter(t -> t.startsWith("in b's outbox") || t.startsWith("left by b"))
                .filter(t -> t.startsWith(prefix))
                .toList();
    }

    private static void storeUnpublished(String instance, String text) throws SQLException {
        try (Connection c = instances.db();
                PreparedStatement ps =
                        c.prepareStatement("INSERT INTO " + instances.table("messages") + " (message_id, room, type,"
                                + " client_id, username, content, source, created_at, published, instance) VALUES (?, 'main',"
                                + " 'user_message', 'dev-1', '设备', ?, 'mqtt', '2026-12-05T00:00:00.000Z', FALSE, ?)")) {
            ps.setString(1, UUID.randomUUID().toString());
            ps.setString(2, text);
            ps.setString(3, instance);
            ps.executeUpdate();
        }
    }

    /** {@code instance:published} of every message this test stored. */
    private static List<String> owners() throws SQLException {
        try (Connection c = instances.db();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT instance, published FROM " + instances.table("messages")
                        + " WHERE content" + " LIKE 'left by b%' OR content LIKE 'in b''s outbox%'")) {
            List<String> owners = new ArrayList<>();
            while (rs.next()) {
                owners.add(rs.getString(1) + ":" + rs.getBoolean(2));
            }
            return owners;
        }
    }
}
