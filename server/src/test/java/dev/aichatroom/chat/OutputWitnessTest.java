package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aichatroom.mqtt.Inbound;
import dev.aichatroom.mqtt.MqttConnection;
import dev.aichatroom.mqtt.MqttSettings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The outbox's witness (decision 0037) on a connection that never connects: copies are handed in directly. */
@Timeout(30)
class OutputWitnessTest {
    private final MqttConnection mqtt = new MqttConnection(new MqttSettings(
            "127.0.0.1", 1, "witness-test", Optional.empty(), Optional.empty(), 0, 100, false, Optional.empty()));
    private final OutputWitness witness = new OutputWitness(mqtt, "witness-test", Duration.ofSeconds(60));
    private final List<String> acknowledged = new ArrayList<>();

    @AfterEach
    void close() {
        mqtt.close();
    }

    private Inbound copy(String messageId) {
        return new Inbound(
                "chatroom/messages/out",
                ("{\"type\":\"user_message\",\"username\":\"a\",\"content\":\"x\",\"message_id\":\"" + messageId
                                + "\"}")
                        .getBytes(StandardCharsets.UTF_8),
                List.of(),
                () -> acknowledged.add(messageId));
    }

    @Test
    void a_copy_of_an_output_not_yet_marked_is_acknowledged_only_once_it_is_marked() {
        witness.drain(Set.of(), ids -> true, () -> {});
        witness.publishing("m1");
        witness.onCopy(copy("m1"));
        assertThat(acknowledged).as("held while the output is not marked").isEmpty();
        witness.marked(List.of("m1"));
        assertThat(acknowledged).containsExactly("m1");
        assertThat(witness.awaiting()).isZero();
    }

    @Test
    void a_copy_that_comes_after_the_marking_or_of_another_instance_is_acknowledged_at_once() {
        witness.drain(Set.of(), ids -> true, () -> {});
        witness.publishing("m1");
        witness.marked(List.of("m1"));
        witness.onCopy(copy("m1"));
        witness.onCopy(copy("someone-else"));
        assertThat(acknowledged).containsExactly("m1", "someone-else");
        assertThat(witness.awaiting()).isZero();
    }

    @Test
    void copies_the_session_held_at_start_mark_those_outputs_before_they_are_acknowledged() {
        witness.onCopy(copy("m1"));
        witness.onCopy(copy("someone-else"));
        witness.onCopy(copy("m2"));
        List<List<String>> marked = new ArrayList<>();
        AtomicInteger acknowledgedWhenMarked = new AtomicInteger(-1);

        Set<String> shown = witness.drain(
                Set.of("m1", "m2"),
                ids -> {
                    marked.add(ids);
                    acknowledgedWhenMarked.set(acknowledged.size());
                    return true;
                },
                () -> {});

        assertThat(shown).containsExactlyInAnyOrder("m1", "m2");
        assertThat(marked).containsExactly(List.of("m1", "m2"));
        assertThat(acknowledgedWhenMarked)
                .as("only the other instance's copy before the marking")
                .hasValue(1);
        assertThat(acknowledged).containsExactlyInAnyOrder("m1", "someone-else", "m2");
    }

    @Test
    void copies_whose_marking_did_not_happen_stay_unacknowledged_for_the_next_start() {
        witness.onCopy(copy("m1"));
        Set<String> shown = witness.drain(Set.of("m1"), ids -> false, () -> {});
        assertThat(shown).containsExactly("m1");
        assertThat(acknowledged).as("the broker keeps the copy in the session").isEmpty();
    }

    @Test
    void without_its_marker_the_start_stops_waiting_and_leaves_what_it_did_not_see_to_publish() {
        witness.onCopy(copy("m1"));
        // the connection is down: the marker cannot be published, so nothing says the session has no more copies
        Set<String> shown = witness.drain(Set.of("m1", "m3"), ids -> true, () -> {});
        assertThat(shown).containsExactly("m1");
        witness.onCopy(copy("m3")); // after the drain, not an output waiting for its marking
        assertThat(acknowledged).containsExactly("m1", "m3");
    }

    @Test
    void a_takeover_finds_the_copies_of_another_instances_outputs_it_acknowledged() {
        witness.drain(Set.of(), ids -> true, () -> {});
        String routed1 = UUID.randomUUID().toString();
        String routed2 = UUID.randomUUID().toString();
        witness.onCopy(copy(routed1));
        witness.onCopy(copy(routed2));
        assertThat(acknowledged).as("another instance's copies are not held").containsExactly(routed1, routed2);

        // every message taken over has shown its copy: nothing to wait for
        assertThat(witness.shownOf(List.of(routed2, routed1), Duration.ofSeconds(5)))
                .isCompletedWithValue(Set.of(routed1, routed2));
        assertThat(witness.remembered()).isEqualTo(2);
    }

    @Test
    void a_takeover_that_cannot_publish_its_marker_says_so_instead_of_guessing() {
        witness.drain(Set.of(), ids -> true, () -> {});
        String routed = UUID.randomUUID().toString();
        witness.onCopy(copy(routed));
        // the connection is down: nothing says whether the copy of the other one is still on its way
        assertThat(witness.shownOf(List.of(routed, UUID.randomUUID().toString()), Duration.ofSeconds(20)))
                .failsWithin(Duration.ofSeconds(25))
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .isNotInstanceOf(CompletionException.class);
    }

    /**
     * Settling what a lost outputs' connection had in flight (decision 0046): each output is told as its copy comes, so
     * it is marked and its held copy acknowledged before the marker, which would otherwise wait behind the broker's
     * in-flight window of held copies (Mosquitto's 20); the marker says the rest never went out.
     */
    @Test
    void settling_tells_each_output_whose_copy_came_and_frees_its_copy_before_the_marker() {
        witness.drain(Set.of(), ids -> true, () -> {});
        List.of("m1", "m2", "m3").forEach(witness::publishing);
        witness.onCopy(copy("m1")); // routed before the connection was lost
        witness.onCopy(copy("m2"));
        List<String> told = new ArrayList<>();
        java.util.concurrent.CompletableFuture<Set<String>> routed =
                witness.routedOf(List.of("m1", "m2", "m3"), Duration.ofSeconds(20), told::add);
        assertThat(told).containsExactlyInAnyOrder("m1", "m2");
        assertThat(acknowledged).as("held until marked").isEmpty();
        witness.marked(told);
        assertThat(acknowledged).as("the window frees before the marker").containsExactlyInAnyOrder("m1", "m2");
        // the connection is down here: no marker comes back, so nothing says m3 is not on its way
        assertThat(routed).failsWithin(Duration.ofSeconds(25));
    }

    /**
     * Two copies of one output not yet marked (the broker handed the first over again after a reset, or routed a
     * resend): the earlier is acknowledged at once, the later held. Before, the earlier's acknowledgement was dropped,
     * and the client, which acknowledges in order, sent no acknowledgement on the witness connection again (fault bench
     * reset on Mosquitto 2.0.11: 0 PUBACKs from the witness after the second reset).
     */
    @Test
    void a_second_copy_of_an_output_not_yet_marked_acknowledges_the_first() {
        witness.drain(Set.of(), ids -> true, () -> {});
        witness.publishing("m1");
        List<String> acks = new ArrayList<>();
        witness.onCopy(new Inbound(
                "chatroom/messages/out",
                "{\"message_id\":\"m1\"}".getBytes(StandardCharsets.UTF_8),
                List.of(),
                () -> acks.add("first")));
        witness.onCopy(new Inbound(
                "chatroom/messages/out",
                "{\"message_id\":\"m1\"}".getBytes(StandardCharsets.UTF_8),
                List.of(),
                () -> acks.add("second")));
        assertThat(acks).as("the earlier copy is acknowledged, the later held").containsExactly("first");
        witness.marked(List.of("m1"));
        assertThat(acks).containsExactly("first", "second");
    }

    @Test
    void the_message_id_is_read_at_the_top_level_only() {
        assertThat(OutputWitness.messageId("{\"reply_to\":{\"message_id\":\"inner\"},\"message_id\":\"outer\"}"
                        .getBytes(StandardCharsets.UTF_8)))
                .contains("outer");
        assertThat(OutputWitness.messageId("{\"content\":[\"message_id\"]}".getBytes(StandardCharsets.UTF_8)))
                .isEmpty();
        assertThat(OutputWitness.messageId("not json".getBytes(StandardCharsets.UTF_8)))
                .isEmpty();
        assertThat(OutputWitness.messageId(new byte[0])).isEmpty();
    }

    @Test
    void the_marker_topic_names_the_instance_by_an_opaque_tag() {
        assertThat(witness.markerTopic()).matches("aichatroom/witness/[0-9a-f]{24}");
        assertThat(OutputWitness.tag("a/+/#")).matches("[0-9a-f]{24}").isNotEqualTo(OutputWitness.tag("b"));
    }
}
