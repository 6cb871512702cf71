package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aichatroom.testing.FreePorts;
import dev.aichatroom.testing.Mosquitto;
import dev.aichatroom.testing.ProductProcess;
import dev.aichatroom.testing.ScaleOutFixture;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, "nothing acknowledged is lost", for an instance that dies for good (decision 0043). Two instances share
 * the inputs ({@code CHAT_SHARED_GROUP}, PostgreSQL, Debian's Mosquitto 2.0.11); one, a process of its own, is killed
 * (SIGKILL) and not started again. Mosquitto goes on handing every other input to the dead instance's persistent
 * session, where it waits for a restart that never comes (until the session expires, a day later). The live instance
 * takes the dead one over after {@code CHAT_INSTANCE_TIMEOUT}: it drains that session, so every input the broker
 * acknowledged comes out on {@code messages/out} once, and the broker keeps neither the session nor the dead
 * instance's witness session. Before decision 0043 the inputs queued for the dead instance never came out.
 */
@Timeout(180)
class DeadSessionDrainIT {
    private static final String OUT = "chatroom/messages/out";
    private static final String KILLED = "drain-killed";
    private static final String LIVE = "drain-live";
    private static final int TIMEOUT_SECONDS = 3;
    /** Inputs published after the kill, half with a message_id and half without. */
    private static final int INPUTS = 40;

    @TempDir
    Path dir;

    @Test
    void inputs_queued_for_an_instance_that_stays_dead_come_out_once_and_its_sessions_end() throws Exception {
        try (ScaleOutFixture instances = ScaleOutFixture.create("drain");
                Mosquitto mosquitto = Mosquitto.start(false);
                TestMqtt observer =
                        TestMqtt.connect(mosquitto.port(), "drain-observer").subscribe(OUT);
                TestMqtt device = TestMqtt.connect(mosquitto.port(), "drain-device")) {
            Map<String, String> timeout = Map.of("CHAT_INSTANCE_TIMEOUT", Integer.toString(TIMEOUT_SECONDS));
            Map<String, String> live = new HashMap<>(timeout);
            live.putAll(Map.of("VOICE_ENABLE", "false", "MCP_ENABLE", "false"));
            TestProduct liveInstance = instances.start(LIVE, mosquitto.port(), live);
            Process killed = ProductProcess.startHealthy(
                    dir, "killed", instances.env(KILLED, mosquitto.port(), timeout), FreePorts.next());
            List<String> sent = new ArrayList<>();
            long killedAt;
            try {
                warmUntilKilledHasOne(instances, device, observer, sent);
            } finally {
                killed.destroyForcibly(); // SIGKILL, and it is not started again
                killed.waitFor(30, TimeUnit.SECONDS);
                killedAt = System.nanoTime();
                ProductProcess.keepLog(dir, "killed", "DeadSessionDrainIT");
            }
            // acknowledged by the broker (PUBACK): about half of them it queues in the dead instance's session
            for (int i = 1; i <= INPUTS; i++) {
                String text = "after-kill-" + i;
                send(device, text, i, i % 4 < 2); // keyed and keyless inputs on either instance
                sent.add(text);
            }

            // taken for dead after the timeout (+ one lease period), drained within seconds
            await().atMost(Duration.ofSeconds(TIMEOUT_SECONDS + 15))
                    .pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> assertThat(contents(observer))
                            .as("every acknowledged input on messages/out")
                            .containsAll(sent));
            double seconds = (System.nanoTime() - killedAt) / 1e9;
            // anything published twice would follow within moments
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> true);

            Map<String, Long> copies =
                    contents(observer).stream().collect(Collectors.groupingBy(t -> t, Collectors.counting()));
            assertThat(copies.keySet()).as("nothing acknowledged is lost").containsAll(sent);
            assertThat(copies)
                    .as("every input on messages/out exactly once (all out %.1f s after the kill)", seconds)
                    .allSatisfy((text, n) -> assertThat(n).as(text).isEqualTo(1L));
            await().atMost(Duration.ofSeconds(5)).until(() -> !known(instances, KILLED));
            assertThat(TestMqtt.sessionPresent(mosquitto.port(), KILLED))
                    .as("the dead instance's session is ended")
                    .isFalse();
            assertThat(TestMqtt.sessionPresent(mosquitto.port(), KILLED + "-witness"))
                    .as("the dead instance's witness session is ended")
                    .isFalse();
            assertThat(liveInstance.get("/health").statusCode()).isEqualTo(200);
        }
    }

    /**
     * A taker that dies mid-drain (decision 0043, {@code CHAT_DRAIN_LIMIT}). Three instances share the inputs; the
     * first is killed with inputs queued in its session; the second, which takes a dead instance for dead sooner,
     * claims that session and is killed (SIGKILL) once it has stored part of it. Its claim runs out after 1.5 × {@code
     * CHAT_DRAIN_LIMIT}; the third then drains the rest of the first one's session, recognising by key or ledger what
     * the second had stored without acknowledging it, drains the second one's session and publishes what it had
     * stored and not published. Every acknowledged input comes out once and no session of the dead is left.
     */
    @Test
    void a_taker_killed_mid_drain_leaves_the_rest_to_another_once_its_claim_runs_out() throws Exception {
        String taker = "drain-taker";
        String third = "drain-third";
        try (ScaleOutFixture instances = ScaleOutFixture.create("drain3");
                Mosquitto mosquitto = Mosquitto.start(false, "max_queued_messages 0");
                TestMqtt observer =
                        TestMqtt.connect(mosquitto.port(), "drain3-observer").subscribe(OUT);
                TestMqtt device = TestMqtt.connect(mosquitto.port(), "drain3-device")) {
            Map<String, String> fast =
                    Map.of("CHAT_INSTANCE_TIMEOUT", "4", "CHAT_DRAIN_LIMIT", "4", "CHAT_RATE_PER_MINUTE", "0");
            // the third takes an instance for dead only after 10 s: the taker claims the first one's session
            Map<String, String> slow = new HashMap<>(fast);
            slow.putAll(Map.of("CHAT_INSTANCE_TIMEOUT", "10", "VOICE_ENABLE", "false", "MCP_ENABLE", "false"));
            Process killed = ProductProcess.startHealthy(
                    dir, "killed", instances.env(KILLED, mosquitto.port(), fast), FreePorts.next());
            Process takerProcess = ProductProcess.startHealthy(
                    dir, "taker", instances.env(taker, mosquitto.port(), fast), FreePorts.next());
            TestProduct thirdInstance = instances.start(third, mosquitto.port(), slow);
            List<String> sent = new ArrayList<>();
            try {
                try {
                    warmUntilKilledHasOne(instances, device, observer, sent);
                } finally {
                    killed.destroyForcibly();
                    killed.waitFor(30, TimeUnit.SECONDS);
                }
                // about a third of them queued in the dead instance's session
                for (int i = 1; i <= 3_000; i++) {
                    String text = "queued-" + i;
                    send(device, text, i, i % 4 < 2);
                    sent.add(text);
                }
                await().atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(5))
                        .until(() -> claimed(instances, KILLED));
                int before = stored(instances, taker);
                await().atMost(Duration.ofSeconds(10))
                        .pollInterval(Duration.ofMillis(2))
                        .until(() -> stored(instances, taker) > before);
            } finally {
                takerProcess.destroyForcibly(); // mid-drain
                takerProcess.waitFor(30, TimeUnit.SECONDS);
                ProductProcess.keepLog(dir, "killed", "DeadSessionDrainIT-mid");
                ProductProcess.keepLog(dir, "taker", "DeadSessionDrainIT-mid");
            }
            assertThat(Files.readString(dir.resolve("taker.log")))
                    .as("the taker was killed before its drain ended")
                    .doesNotContain("drained its broker session");

            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> assertThat(contents(observer))
                            .as("every acknowledged input on messages/out")
                            .containsAll(sent));
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> true);
            Map<String, Long> copies =
                    contents(observer).stream().collect(Collectors.groupingBy(t -> t, Collectors.counting()));
            assertThat(copies)
                    .as("every input on messages/out exactly once")
                    .allSatisfy((text, n) -> assertThat(n).as(text).isEqualTo(1L));
            await().atMost(Duration.ofSeconds(15)).until(() -> !known(instances, KILLED) && !known(instances, taker));
            for (String dead : List.of(KILLED, KILLED + "-witness", taker, taker + "-witness")) {
                assertThat(TestMqtt.sessionPresent(mosquitto.port(), dead))
                        .as("the session of %s is ended", dead)
                        .isFalse();
            }
            assertThat(thirdInstance.get("/health").statusCode()).isEqualTo(200);
        }
    }

    /**
     * The shared subscription hands inputs to any instance of the group: sends keyed inputs (added to {@code sent}),
     * each once the one before it came out, until the instance to be killed has published one.
     */
    private static void warmUntilKilledHasOne(
            ScaleOutFixture instances, TestMqtt device, TestMqtt observer, List<String> sent) throws SQLException {
        for (int i = 1; published(instances, KILLED) == 0; i++) {
            assertThat(i).as("an input reached the instance to be killed").isLessThan(30);
            String text = "warm-" + i;
            send(device, text, i, true);
            sent.add(text);
            observer.await(OUT, r -> r.text().contains("\"" + text + "\""), Duration.ofSeconds(30));
        }
    }

    /** Publishes an input at QoS 1 and returns once the broker acknowledged it. */
    private static void send(TestMqtt device, String text, int i, boolean withId) {
        device.publish(
                "chatroom/messages/in",
                "{\"client_id\":\"dev-" + (i % 4) + "\",\"username\":\"设备\",\"message\":\"" + text + "\""
                        + (withId ? ",\"message_id\":\"id-" + text + "\"" : "") + "}");
    }

    private static List<String> contents(TestMqtt observer) {
        return observer.on(OUT).stream()
                .filter(r -> r.json().path("type").asText().equals("user_message"))
                .map(r -> r.json().path("content").asText())
                .toList();
    }

    /** Messages {@code instance} stored and saw published. */
    private static int published(ScaleOutFixture instances, String instance) throws SQLException {
        return instances.count("messages", "instance = ? AND published = TRUE AND type = 'user_message'", instance);
    }

    /** Messages {@code instance} stored, published or not. */
    private static int stored(ScaleOutFixture instances, String instance) throws SQLException {
        return instances.count("messages", "instance = ? AND type = 'user_message'", instance);
    }

    /** Whether a live instance holds a claim on {@code instance}'s broker session. */
    private static boolean claimed(ScaleOutFixture instances, String instance) throws SQLException {
        return instances.count("outbox_instances", "instance = ? AND drain_after IS NOT NULL", instance) > 0;
    }

    /** Whether the store still lists {@code instance} among the instances (alive or to be taken over). */
    private static boolean known(ScaleOutFixture instances, String instance) throws SQLException {
        return instances.count("outbox_instances", "instance = ?", instance) > 0;
    }
}
