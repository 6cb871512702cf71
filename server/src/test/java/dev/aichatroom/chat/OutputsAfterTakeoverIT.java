package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aichatroom.testing.AckDroppingProxy;
import dev.aichatroom.testing.FreePorts;
import dev.aichatroom.testing.Mosquitto;
import dev.aichatroom.testing.ProductProcess;
import dev.aichatroom.testing.ScaleOutFixture;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The takeover the output witness alone did not cover (decision 0037, "Not covered"; closed by decision 0040). Two
 * instances ({@code CHAT_SHARED_GROUP}, PostgreSQL, Debian's Mosquitto 2.0.11): the one to be killed runs as a process
 * of its own behind a proxy that loses the broker's PUBACKs of its outputs, so outputs the broker routed stay unmarked
 * in the store; it is killed (SIGKILL) and not started again. The live instance takes its messages over after {@code
 * CHAT_INSTANCE_TIMEOUT}: the copies of them its own witness subscription received show which the broker had taken, so
 * those are marked published and not sent again, and only the rest (here a message the killed one stored and never
 * sent) is published. Before decision 0040 each of those outputs came out twice.
 */
@Timeout(300)
class OutputsAfterTakeoverIT {
    private static final String OUT = "chatroom/messages/out";
    private static final String KILLED = "takeover-killed";
    private static final String LIVE = "takeover-live";
    /** Outputs of the killed instance the broker routed and whose PUBACK was lost. */
    private static final int IN_WINDOW = 4;

    @TempDir
    Path dir;

    @Test
    void outputs_the_broker_took_from_a_killed_instance_are_not_published_again_by_the_live_one() throws Exception {
        try (ScaleOutFixture instances = ScaleOutFixture.create("witness_takeover");
                Mosquitto mosquitto = Mosquitto.start(true);
                AckDroppingProxy proxy = new AckDroppingProxy(mosquitto.port());
                TestMqtt observer =
                        TestMqtt.connect(mosquitto.port(), "takeover-observer").subscribe(OUT);
                TestMqtt device = TestMqtt.connect(mosquitto.port(), "takeover-device")) {
            TestProduct live = instances.start(
                    LIVE,
                    mosquitto.port(),
                    Map.of("CHAT_INSTANCE_TIMEOUT", "3", "VOICE_ENABLE", "false", "MCP_ENABLE", "false"));
            Process killed = ProductProcess.startHealthy(
                    dir,
                    "killed",
                    instances.env(KILLED, proxy.port(), Map.of("CHAT_INSTANCE_TIMEOUT", "3")),
                    FreePorts.next());
            List<String> sent = new ArrayList<>();
            try {
                // the shared subscription hands inputs to either instance: send until the one to be killed has had
                // one published and marked (its PUBACK went through the proxy)
                for (int i = 1; count(instances, KILLED, true, "warm-%") == 0; i++) {
                    assertThat(i)
                            .as("an input reached the instance to be killed")
                            .isLessThan(30);
                    send(device, "warm-" + i, sent, observer);
                    String text = "warm-" + i;
                    await().atMost(Duration.ofSeconds(60)).until(() -> published(instances, text));
                }
                // from now on the broker routes its outputs and their PUBACKs never reach it
                proxy.dropAcknowledgements(100_000);
                for (int i = 1; count(instances, KILLED, false, "in-window-%") < IN_WINDOW; i++) {
                    assertThat(i).as("inputs reached the instance to be killed").isLessThan(60);
                    send(device, "in-window-" + i, sent, observer);
                }
            } finally {
                killed.destroyForcibly(); // SIGKILL: its outputs stay unmarked in the store, and it is not started
                // again
                killed.waitFor(30, TimeUnit.SECONDS);
            }
            // and one it stored and never sent: the live instance must still publish that one
            storeUnsent(instances, "never-sent");
            sent.add("never-sent");

            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> count(instances, LIVE, true, "in-window-%") >= IN_WINDOW
                            && count(instances, KILLED, false, "%") == 0
                            && count(instances, LIVE, false, "%") == 0
                            && contents(observer).contains("never-sent"));
            // anything published twice would follow the one it had not sent within moments
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(6)).until(() -> true);

            Map<String, Long> copies =
                    contents(observer).stream().collect(Collectors.groupingBy(t -> t, Collectors.counting()));
            assertThat(copies.keySet()).as("nothing acknowledged is lost").containsAll(sent);
            assertThat(copies)
                    .as("every input on messages/out exactly once, those the killed instance left unmarked too")
                    .allSatisfy((text, n) -> assertThat(n).as(text).isEqualTo(1L));
            assertThat(live.get("/health").statusCode()).isEqualTo(200);
        } finally {
            ProductProcess.keepLog(dir, "killed", "OutputsAfterTakeoverIT");
        }
    }

    /** Sends a keyed input and waits until the broker has routed its output (the observer has it). */
    private static void send(TestMqtt device, String text, List<String> sent, TestMqtt observer) {
        device.publish(
                "chatroom/messages/in",
                "{\"client_id\":\"dev-1\",\"username\":\"设备\",\"message\":\"" + text + "\",\"message_id\":\"id-" + text
                        + "\"}");
        sent.add(text);
        observer.await(OUT, r -> r.text().contains("\"" + text + "\""), Duration.ofSeconds(60));
    }

    private static List<String> contents(TestMqtt observer) {
        return observer.on(OUT).stream()
                .filter(r -> r.json().path("type").asText().equals("user_message"))
                .map(r -> r.json().path("content").asText())
                .toList();
    }

    /** User messages of {@code instance} whose content is {@code LIKE pattern}, marked published or not. */
    private static int count(ScaleOutFixture instances, String instance, boolean published, String pattern)
            throws SQLException {
        return instances.count(
                "messages",
                "instance = ? AND published = ? AND content LIKE ? AND type = 'user_message'",
                instance,
                published,
                pattern);
    }

    private static boolean published(ScaleOutFixture instances, String text) throws SQLException {
        return instances.count("messages", "content = ? AND published = TRUE", text) == 1;
    }

    private static void storeUnsent(ScaleOutFixture instances, String text) throws SQLException {
        try (Connection c = instances.db();
                PreparedStatement ps = c.prepareStatement("INSERT INTO " + instances.table("messages")
                        + " (message_id, room, type, client_id, username, content, source, created_at, published,"
                        + " instance) VALUES (?, 'main', 'user_message', 'dev-1', '设备', ?, 'mqtt',"
                        + " '2026-12-05T00:00:00.000Z', FALSE, ?)")) {
            ps.setString(1, UUID.randomUUID().toString());
            ps.setString(2, text);
            ps.setString(3, KILLED);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
    }
}
