package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aichatroom.testing.TempDirs;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Inputs the service's subscription still holds when it starts (acknowledged by a run whose inputs went through the
 * broker's synced journal, handed to the service and not stored: its store was locked) are stored before a
 * publisher's later inputs, each once: the broker takes no input in-process (decision 0050) while that subscription
 * holds any, so later ones queue behind them, and once it is empty it takes them in-process again. Whether the second
 * batch meets inputs still in the subscription depends on how fast the restarted service reads them; the order is
 * checked either way.
 */
@Timeout(180)
class TakenInputsOrderIT {
    private static final int BATCH = 500;

    @Test
    void inputs_queued_for_the_service_before_a_start_are_stored_before_later_ones() throws Exception {
        Path data = TempDirs.create("taken-order");
        try {
            leaveInTheSubscription(data, BATCH, Map.of());
            try (TestProduct product =
                    TestProduct.start(Map.of("DATA_DIR", data.toString(), "CHAT_RATE_PER_MINUTE", "0"))) {
                try (TestMqtt sender = TestMqtt.connect(product.mqttPort(), "sender-1")) {
                    // at once, while the service may still be reading the first batch from its subscription
                    send(sender, BATCH, 2 * BATCH);
                    await().atMost(Duration.ofSeconds(60))
                            .until(() -> product.storedContents("sender-1").size() >= 2 * BATCH);
                    // the subscription is empty now: the next ones are taken in-process, still in order
                    send(sender, 2 * BATCH, 3 * BATCH);
                    await().atMost(Duration.ofSeconds(60))
                            .until(() -> product.storedContents("sender-1").size() >= 3 * BATCH);
                    // stored (and so published, and numbered) in the order sent, each once; the outputs of the first
                    // batch went out while the product started, before any subscriber of this test could connect
                    assertThat(product.storedContents("sender-1"))
                            .as("each once, in the order sent")
                            .containsExactlyElementsOf(IntStream.range(0, 3 * BATCH)
                                    .mapToObj(i -> "m-" + i)
                                    .toList());
                    assertThat(product.metric("chat_inputs_taken_total"))
                            .as("the last batch taken in-process")
                            .isGreaterThanOrEqualTo(BATCH);
                }
            }
        } finally {
            TempDirs.delete(data);
        }
    }

    /**
     * The overlap forced: the restarted service is still reading its subscription (its store locked, so it stores
     * nothing more) when the same publisher sends again. Those inputs must go into the subscription behind the others
     * (the broker acknowledges them at once, as any routed input), not to the service in-process, where they would be
     * stored before the ones still in the subscription (and their acknowledgements held until then).
     */
    @Test
    void inputs_sent_while_the_subscription_still_holds_some_queue_behind_them() throws Exception {
        int queued = 10_000;
        int later = 20;
        Path data = TempDirs.create("taken-overlap");
        try {
            String db = "jdbc:sqlite:" + data.resolve("chatroom.db");
            // no back-pressure: the broker takes every input however many wait for the service (decision 0028)
            leaveInTheSubscription(data, queued, Map.of("MQTT_INPUT_BACKLOG", "0"));
            try (TestProduct product = TestProduct.start(
                    Map.of("DATA_DIR", data.toString(), "CHAT_RATE_PER_MINUTE", "0", "MQTT_INPUT_BACKLOG", "0"))) {
                product.awaitChatRunning(Duration.ofSeconds(30));
                try (Connection lock = DriverManager.getConnection(db);
                        Statement st = lock.createStatement();
                        TestMqtt sender = TestMqtt.connect(product.mqttPort(), "sender-1")) {
                    st.execute("BEGIN EXCLUSIVE");
                    int stored = product.storedContents("sender-1").size();
                    assertThat(stored)
                            .as("the service was still reading its subscription when the store was locked")
                            .isLessThan(queued);
                    // routed behind the rest, acknowledged by the broker; taken in-process, they would wait for the
                    // store
                    send(sender, queued, queued + later, Duration.ofSeconds(10));
                    assertThat(product.metric("chat_inputs_taken_total"))
                            .as("none taken in-process while the subscription holds inputs")
                            .isZero();
                    st.execute("ROLLBACK");
                }
                await().atMost(Duration.ofSeconds(90))
                        .until(() -> product.storedContents("sender-1").size() >= queued + later);
                assertThat(product.storedContents("sender-1"))
                        .as("each once, in the order sent")
                        .containsExactlyElementsOf(IntStream.range(0, queued + later)
                                .mapToObj(i -> "m-" + i)
                                .toList());
            }
        } finally {
            TempDirs.delete(data);
        }
    }

    /**
     * A run whose inputs m-0..m-{count - 1} go through the synced journal and the service's subscription (not taken
     * in-process), with the store locked: every input stays in that subscription, acknowledged to its sender, when the
     * run stops.
     */
    private static void leaveInTheSubscription(Path data, int count, Map<String, String> more) throws Exception {
        Map<String, String> env = new java.util.HashMap<>(more);
        env.putAll(Map.of("DATA_DIR", data.toString(), "MQTT_JOURNAL_SYNC", "true", "CHAT_RATE_PER_MINUTE", "0"));
        try (TestProduct journalled = TestProduct.start(env)) {
            journalled.awaitChatRunning(Duration.ofSeconds(30));
            try (Connection lock = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("chatroom.db"));
                    Statement st = lock.createStatement()) {
                st.execute("BEGIN EXCLUSIVE");
                try (TestMqtt sender = TestMqtt.connect(journalled.mqttPort(), "sender-1")) {
                    send(sender, 0, count);
                }
                journalled.stop(); // the inputs stay in the service's session, in the broker's journal
                st.execute("ROLLBACK");
            }
        }
    }

    private static void send(TestMqtt sender, int from, int to) throws Exception {
        send(sender, from, to, Duration.ofSeconds(60));
    }

    /** Publishes m-{from}..m-{to - 1} at QoS 1 without waiting between them, then waits for every acknowledgement. */
    private static void send(TestMqtt sender, int from, int to, Duration within) throws Exception {
        List<CompletableFuture<?>> acks = new ArrayList<>();
        for (int i = from; i < to; i++) {
            acks.add(sender.publishAsync(
                    "chatroom/messages/in",
                    "{\"client_id\":\"sender-1\",\"username\":\"s\",\"message\":\"m-" + i + "\"}"));
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(within.toMillis(), TimeUnit.MILLISECONDS);
    }
}
