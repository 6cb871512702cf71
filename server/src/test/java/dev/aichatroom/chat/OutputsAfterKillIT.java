package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aichatroom.testing.AckDroppingProxy;
import dev.aichatroom.testing.FreePorts;
import dev.aichatroom.testing.Mosquitto;
import dev.aichatroom.testing.ProductProcess;
import dev.aichatroom.testing.TestMqtt;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The window the outbox alone cannot close (decision 0033), closed by the output witness (decision 0037): the service's
 * process killed (SIGKILL) after the broker took outputs and before the service had their acknowledgements marked in
 * its store. The product runs as a process of its own on Debian's Mosquitto 2.0.11 (outputs at QoS 1 there, decision
 * 0027); a proxy in front of its connection loses the broker's PUBACKs of {@value #IN_WINDOW} outputs, which the broker
 * has routed to the consumer, and the process is killed while it waits for them. Started again with the same
 * variables, it finds them unmarked, and the copies of them its session still holds show that the broker took them:
 * they are marked published and not sent again (before decision 0037 each came out twice). Their inputs, which the
 * broker hands over again, are not taken again (with a {@code message_id} by its dedupe key, without one by the input
 * ledger); nothing acknowledged is lost, nothing comes out twice, and inputs after the restart come out once.
 */
@Timeout(300)
class OutputsAfterKillIT {
    private static final String OUT = "chatroom/messages/out";
    private static final int IN_WINDOW = 6;

    @TempDir
    Path dir;

    @Test
    void outputs_the_broker_took_before_a_kill_are_not_published_again_and_nothing_is_lost() throws Exception {
        try {
            assertThat(ProductProcess.JAR).as("the product jar (mvn package)").exists();
            int http = FreePorts.next();
            try (Mosquitto mosquitto = Mosquitto.start(true);
                    AckDroppingProxy proxy = new AckDroppingProxy(mosquitto.port());
                    TestMqtt observer =
                            TestMqtt.connect(mosquitto.port(), "kill-observer").subscribe(OUT);
                    TestMqtt device = TestMqtt.connect(mosquitto.port(), "kill-device")) {
                Process first = start(http, proxy.port(), "first.log");
                try {
                    ProductProcess.awaitHealthy(http, first, dir);
                    send(device, "before");
                    observer.await(OUT, r -> r.text().contains("\"before\""), Duration.ofSeconds(60));
                    // its PUBACK went through the proxy (it is marked): the next ones the proxy loses are the outputs
                    // below
                    await().atMost(Duration.ofSeconds(60)).until(() -> marked("before"));

                    proxy.dropAcknowledgements(IN_WINDOW);
                    for (int i = 1; i <= IN_WINDOW; i++) {
                        send(device, "in-window-" + i, i % 2 == 0); // every other one without message_id
                    }
                    // the broker routed each (the observer has it) and its PUBACK to the service is gone
                    await().atMost(Duration.ofSeconds(60))
                            .until(() -> proxy.dropped() == IN_WINDOW
                                    && contents().apply(observer).size() >= 1 + IN_WINDOW);
                } finally {
                    first.destroyForcibly(); // SIGKILL: the outputs stay unmarked in the store
                    first.waitFor(30, TimeUnit.SECONDS);
                }

                // and one the broker never had (killed before it was sent): the restart must wait for its marker to
                // know
                storeUnsent("never-sent");

                Process second = start(http, proxy.port(), "second.log");
                try {
                    ProductProcess.awaitHealthy(http, second, dir);
                    send(device, "after"); // taken after what was left was published again (ChatService.recover)
                    observer.await(OUT, r -> r.text().contains("\"after\""), Duration.ofSeconds(60));
                    await().during(Duration.ofSeconds(2))
                            .atMost(Duration.ofSeconds(5))
                            .until(() -> true);
                } finally {
                    second.destroy();
                    second.waitFor(30, TimeUnit.SECONDS);
                }

                assertThat(Files.readString(dir.resolve("second.log")))
                        .as("the restart read the broker's copies of the outputs it had left unmarked")
                        .contains("The broker held copies of " + IN_WINDOW + " of the " + (IN_WINDOW + 1) + " message");
                List<String> texts = contents().apply(observer);
                Map<String, Long> copies = texts.stream().collect(Collectors.groupingBy(t -> t, Collectors.counting()));
                Map<String, Long> ids = observer.on(OUT).stream()
                        .filter(r -> r.json().path("type").asText().equals("user_message"))
                        .collect(Collectors.groupingBy(
                                r -> r.json().path("message_id").asText(), Collectors.counting()));
                assertThat(copies.keySet())
                        .as("nothing acknowledged is lost")
                        .contains("before", "after", "in-window-1", "in-window-" + IN_WINDOW, "never-sent");
                assertThat(copies)
                        .as(
                                "every acknowledged input is on messages/out exactly once, those the kill left unmarked too")
                        .allSatisfy((text, n) -> assertThat(n).isEqualTo(1L));
                assertThat(ids.values())
                        .as("one message_id per input, each out once")
                        .hasSize(3 + IN_WINDOW)
                        .allSatisfy(n -> assertThat(n).isEqualTo(1L));
            }
        } finally {
            keepLogs();
        }
    }

    private static Function<TestMqtt, List<String>> contents() {
        return o -> o.on(OUT).stream()
                .filter(r -> r.json().path("type").asText().equals("user_message"))
                .map(r -> r.json().path("content").asText())
                .toList();
    }

    /** Whether the product's store has the message with this text marked published. */
    private boolean marked(String text) throws java.sql.SQLException {
        try (java.sql.Connection c =
                        java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("data/chatroom.db"));
                java.sql.PreparedStatement ps =
                        c.prepareStatement("SELECT count(*) FROM messages WHERE content = ? AND published = 1")) {
            ps.setString(1, text);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getInt(1) == 1;
            }
        }
    }

    /** The product's logs, kept in target/ for a failed run (the temporary directory goes). */
    private void keepLogs() throws java.io.IOException {
        for (String log : List.of("first.log", "second.log")) {
            if (Files.exists(dir.resolve(log))) {
                Files.copy(
                        dir.resolve(log),
                        Path.of("target", "OutputsAfterKillIT-" + log),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** Stores, as the killed process would have, a message not marked published that it never sent. */
    private void storeUnsent(String text) throws java.sql.SQLException {
        try (java.sql.Connection c =
                        java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("data/chatroom.db"));
                java.sql.PreparedStatement ps = c.prepareStatement("INSERT INTO messages (message_id, room, type,"
                        + " client_id, username, content, source, reply_to, created_at, published, instance)"
                        + " SELECT 'id-unsent-' || ?, room, type, client_id, username, ?, source, reply_to, created_at,"
                        + " 0, instance FROM messages WHERE content = 'in-window-1'")) {
            ps.setString(1, text);
            ps.setString(2, text);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
    }

    private static void send(TestMqtt device, String text) {
        send(device, text, true);
    }

    /** @param keyed with a {@code message_id}; without, the service's ledger recognises the broker's redelivery */
    private static void send(TestMqtt device, String text, boolean keyed) {
        device.publish(
                "chatroom/messages/in",
                "{\"client_id\":\"dev-1\",\"username\":\"设备\",\"message\":\"" + text + "\""
                        + (keyed ? ",\"message_id\":\"id-" + text + "\"" : "") + "}");
    }

    private Process start(int http, int brokerPort, String log) {
        return ProductProcess.start(
                dir,
                log,
                Map.of(
                        "PORT",
                        String.valueOf(http),
                        "MQTT_BROKER",
                        "127.0.0.1",
                        "MQTT_PORT",
                        String.valueOf(brokerPort),
                        "MQTT_CLIENT_ID",
                        "chat-service-kill"));
    }
}
