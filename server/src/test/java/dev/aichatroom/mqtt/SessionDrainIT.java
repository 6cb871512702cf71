package dev.aichatroom.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import dev.aichatroom.testing.Mosquitto;
import dev.aichatroom.testing.TestMqtt;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link SessionDrain} on Debian's Mosquitto 2.0.11 (decision 0043): the inputs a shared subscription queued in a
 * disconnected member's persistent session are handed over, nothing new is routed there once it unsubscribed, and the
 * session is gone at the end; when the member connects again meanwhile, the drain stops and what it had not
 * acknowledged is the member's again.
 */
@Timeout(60)
class SessionDrainIT {
    private static final String SHARED = "$share/g/chatroom/messages/in";
    private static final String IN = "chatroom/messages/in";

    @Test
    void queued_inputs_are_handed_over_acknowledged_and_the_session_ended() throws Exception {
        try (Mosquitto mosquitto = Mosquitto.start(false, "max_queued_messages 0\n");
                TestMqtt live = TestMqtt.connect(mosquitto.port(), "live").subscribe(SHARED);
                TestMqtt publisher = TestMqtt.connect(mosquitto.port(), "publisher")) {
            member(mosquitto.port(), "dead").disconnect(); // a member of the group, gone, its session kept
            for (int i = 0; i < 2_000; i++) {
                publisher.publish(IN, "in-" + i);
            }
            List<Inbound> handled = new CopyOnWriteArrayList<>();
            // 1,000 queued, ten times the Receive Maximum: Mosquitto 2.0.11 sends beyond it as they are acknowledged
            SessionDrain.Result result = SessionDrain.drain(
                    settings(mosquitto.port(), "dead"),
                    "taker/drain/dead/1",
                    List.of(SHARED),
                    topic -> topic.equals(IN),
                    inbound -> {
                        handled.add(inbound);
                        inbound.acknowledge();
                    },
                    Duration.ofMillis(500),
                    Duration.ofSeconds(20),
                    () -> false,
                    () -> {});

            assertThat(result.outcome()).as(result.why()).isEqualTo(SessionDrain.Outcome.ENDED);
            assertThat(handled)
                    .hasSize(1_000)
                    .allSatisfy(i -> assertThat(i.connection()).isEqualTo("taker/drain/dead/1"));
            assertThat(live.on(IN)).as("the live member had the other half").hasSize(1_000);
            publisher.publish(IN, "after");
            live.await(IN, r -> r.text().equals("after"));
            assertThat(TestMqtt.sessionPresent(mosquitto.port(), "dead")).isFalse();
            assertThat(SessionDrain.drain(
                                    settings(mosquitto.port(), "never-there"),
                                    "c",
                                    List.of(SHARED),
                                    t -> true,
                                    i -> {},
                                    Duration.ofMillis(100),
                                    Duration.ofSeconds(5),
                                    () -> false,
                                    () -> {})
                            .outcome())
                    .isEqualTo(SessionDrain.Outcome.NO_SESSION);
            assertThat(TestMqtt.sessionPresent(mosquitto.port(), "never-there")).isFalse();
        }
    }

    @Test
    void a_member_that_comes_back_takes_its_session_and_what_the_drain_had_not_acknowledged() throws Exception {
        try (Mosquitto mosquitto = Mosquitto.start(false);
                TestMqtt live = TestMqtt.connect(mosquitto.port(), "live").subscribe(SHARED);
                TestMqtt publisher = TestMqtt.connect(mosquitto.port(), "publisher")) {
            member(mosquitto.port(), "partitioned").disconnect();
            for (int i = 0; i < 20; i++) {
                publisher.publish(IN, "in-" + i);
            }
            List<String> held = new CopyOnWriteArrayList<>();
            AtomicBoolean gone = new AtomicBoolean();
            List<String> back = new CopyOnWriteArrayList<>();
            Thread.ofVirtual().start(() -> {
                await().until(() -> held.size() >= 10);
                // it comes back (clean start false): the broker gives it the session and disconnects the drain
                Mqtt5AsyncClient returned =
                        TestMqtt.unconnected(mosquitto.port(), "partitioned").toAsync();
                returned.publishes(
                        MqttGlobalPublishFilter.ALL,
                        p -> back.add(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)));
                returned.connectWith()
                        .cleanStart(false)
                        .sessionExpiryInterval(600)
                        .send()
                        .join();
            });
            SessionDrain.Result result = SessionDrain.drain(
                    settings(mosquitto.port(), "partitioned"),
                    "taker/drain/partitioned/1",
                    List.of(SHARED),
                    topic -> topic.equals(IN),
                    inbound -> held.add(new String(inbound.payload(), StandardCharsets.UTF_8)), // never acknowledged
                    Duration.ofMillis(500),
                    Duration.ofSeconds(20),
                    () -> false,
                    () -> gone.set(true));

            assertThat(result.outcome())
                    .as("Mosquitto 2.0.11 closes the connection without a DISCONNECT 0x8E: %s", result.why())
                    .isIn(SessionDrain.Outcome.TAKEN_BACK, SessionDrain.Outcome.FAILED);
            assertThat(gone)
                    .as("told at once, so the taker stores none of what it holds")
                    .isTrue();
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(back).as("nothing lost").containsExactlyInAnyOrderElementsOf(held));
        }
    }

    /**
     * A taker that dies mid-drain: its connection is cut without a DISCONNECT after it acknowledged 5 inputs whose
     * PUBACKs never reached the broker (what a SIGKILL between acknowledging and the packets leaving does). The session
     * stays as the drain's CONNECT kept it, with every input not acknowledged to the broker, and the next drain (another
     * taker, once the claim expired) hands over the rest, those 5 again included, and ends it: nothing is lost. The
     * service recognises the 5 it had already stored by their key or the input ledger (MessageStoreContract).
     */
    @Test
    void a_taker_that_dies_mid_drain_leaves_the_rest_in_the_session_for_the_next() throws Exception {
        try (Mosquitto mosquitto = Mosquitto.start(false);
                TestMqtt live = TestMqtt.connect(mosquitto.port(), "live").subscribe(SHARED);
                TestMqtt publisher = TestMqtt.connect(mosquitto.port(), "publisher");
                dev.aichatroom.testing.AckDroppingProxy proxy =
                        new dev.aichatroom.testing.AckDroppingProxy(mosquitto.port())) {
            member(mosquitto.port(), "crashed-taker-victim").disconnect();
            for (int i = 0; i < 40; i++) {
                publisher.publish(IN, "in-" + i);
            }
            await().until(() -> live.on(IN).size() >= 20);
            List<String> queued = new java.util.ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String text = "in-" + i;
                if (live.on(IN).stream().noneMatch(r -> r.text().equals(text))) {
                    queued.add(text);
                }
            }
            proxy.loseClientAcksAndCut(5, 2); // the next connection: the first taker's
            List<String> first = new CopyOnWriteArrayList<>();
            SessionDrain.Result died = drainInto(proxy.port(), "crashed-taker-victim", "taker-1", first);
            assertThat(died.outcome()).as(died.why()).isNotEqualTo(SessionDrain.Outcome.ENDED);
            assertThat(proxy.cuts()).isEqualTo(1);

            List<String> second = new CopyOnWriteArrayList<>();
            SessionDrain.Result result = drainInto(mosquitto.port(), "crashed-taker-victim", "taker-2", second);

            assertThat(result.outcome())
                    .as("the session outlived the taker (not NO_SESSION): %s", result.why())
                    .isEqualTo(SessionDrain.Outcome.ENDED);
            assertThat(first).as("the first taker got some before it died").isNotEmpty();
            assertThat(second)
                    .as("what the broker never had acknowledged comes to the next taker")
                    .containsAll(first.subList(0, 5));
            java.util.Set<String> handed = new java.util.HashSet<>(first);
            handed.addAll(second);
            assertThat(handed).as("nothing lost").containsExactlyInAnyOrderElementsOf(queued);
            assertThat(TestMqtt.sessionPresent(mosquitto.port(), "crashed-taker-victim"))
                    .isFalse();
        }
    }

    /** Drains {@code clientId}'s session as {@code taker}, acknowledging each input once its text is in {@code into}. */
    private static SessionDrain.Result drainInto(int port, String clientId, String taker, List<String> into) {
        return SessionDrain.drain(
                settings(port, clientId),
                taker + "/drain/" + clientId + "/1",
                List.of(SHARED),
                topic -> topic.equals(IN),
                inbound -> {
                    into.add(new String(inbound.payload(), StandardCharsets.UTF_8));
                    inbound.acknowledge();
                },
                Duration.ofMillis(500),
                Duration.ofSeconds(20),
                () -> false,
                () -> {});
    }

    /** Joins the shared group as {@code clientId} with a persistent session. */
    private static Mqtt5BlockingClient member(int port, String clientId) {
        Mqtt5BlockingClient c = TestMqtt.unconnected(port, clientId);
        c.connectWith().cleanStart(true).sessionExpiryInterval(600).send();
        c.subscribeWith().topicFilter(SHARED).qos(MqttQos.AT_LEAST_ONCE).send();
        return c;
    }

    private static MqttSettings settings(int port, String clientId) {
        return new MqttSettings(
                "127.0.0.1", port, clientId, Optional.empty(), Optional.empty(), 600, 100, false, Optional.empty());
    }
}
