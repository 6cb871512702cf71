package dev.aichatroom.chat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.aichatroom.mqtt.Inbound;
import dev.aichatroom.mqtt.Json;
import dev.aichatroom.mqtt.MqttConnection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker as the outbox's witness (docs/decisions/0037-output-witness.md). The service subscribes, in its persistent
 * session, to every room's {@code messages/out}, so the broker hands it a copy of each output it routes, its own
 * included. A copy of one of its own outputs that is not marked published yet is acknowledged only once the marking has
 * committed: until then the broker keeps it in the session. After a crash (SIGKILL) the copies the session still holds
 * are the proof that the broker took those outputs: at start, before publishing again what it left unmarked, the
 * service takes them ({@link #drain}), marks those outputs published and publishes only the rest.
 *
 * <p>To know it has had every copy the session held, the service publishes a marker to a topic only its own session is
 * subscribed to and waits for it to come back: Mosquitto keeps one queue per session and sends it in order, so the
 * marker comes after every copy routed before it. The wait stops early once every unmarked output has shown its copy,
 * and is bounded by {@link #DRAIN_LIMIT}: what has not shown by then is published again (and may come out twice).
 *
 * <p>The copies of other instances' outputs are acknowledged at once and their ids remembered for a while
 * ({@link SeenOutputs}): when this instance takes over the messages a dead instance had not marked published, a marker
 * again tells when every copy routed before it has come, and only the messages whose copy never came are published
 * ({@link #shownOf}, docs/decisions/0040-takeover-through-the-witness.md).
 */
final class OutputWitness {
    private static final Logger LOG = LoggerFactory.getLogger(OutputWitness.class);
    /** The longest the start waits for the broker to hand back its marker. */
    static final Duration DRAIN_LIMIT = Duration.ofSeconds(60);
    /**
     * How long inputs wait for the drain: beyond, they are handled meanwhile (the marker may be queued behind more
     * inputs than the connection's window lets through before they are acknowledged).
     */
    static final Duration INPUTS_WAIT = Duration.ofSeconds(2);
    /** Copies marked (one transaction) and acknowledged at a time while draining, so they never fill the window. */
    static final int DRAIN_BATCH = 500;
    /** The longest a takeover waits for its marker before it publishes everything it took (as before 0040). */
    static final Duration TAKEOVER_LIMIT = Duration.ofSeconds(30);

    private static final String MARKER_PREFIX = "aichatroom/witness/";
    /** An output published and not marked yet whose copy has not come. */
    private static final Runnable NO_COPY = () -> {};

    /** A copy taken while draining: an output's message id, or the marker's payload. */
    private record Copy(Optional<String> messageId, Optional<String> marker, Runnable ack) {}

    private final MqttConnection mqtt;
    private final String markerTopic;
    /** Outputs published and not marked yet: message id → the held acknowledgement of its copy, or NO_COPY. */
    private final Map<String, Runnable> awaiting = new ConcurrentHashMap<>();
    /** What came while draining, in order; guarded by {@code this} with {@link #draining}. */
    private final BlockingQueue<Copy> drained = new LinkedBlockingQueue<>();
    /** The ids of copies acknowledged at once: other instances' outputs, and this one's once marked. */
    private final SeenOutputs seen;
    /** Failed outputs being settled ({@link #routedOf}): message id → told when its copy comes. */
    private final Map<String, java.util.function.Consumer<String>> watching = new ConcurrentHashMap<>();
    /** Markers of takeovers on their way back: nonce → completed when it comes. */
    private final Map<String, CompletableFuture<Void>> barriers = new ConcurrentHashMap<>();

    private boolean draining = true;

    /**
     * Subscribes (before the connection starts) to every room's outputs and to this instance's marker.
     *
     * @param remember how long the ids of copies are kept at least (within {@link SeenOutputs}' bound of space)
     */
    OutputWitness(MqttConnection mqtt, String instance, Duration remember) {
        this.mqtt = mqtt;
        this.seen = new SeenOutputs(remember);
        this.markerTopic = MARKER_PREFIX + tag(instance);
        for (String filter : Topics.outFilters()) {
            mqtt.subscribeOnEventLoop(filter, this::onCopy);
        }
        mqtt.subscribeOnEventLoop(markerTopic, this::onMarker);
    }

    /** The marker's topic level for {@code instance}: opaque and free of topic separators and wildcards. */
    static String tag(String instance) {
        try {
            byte[] sha = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(instance.getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(sha, 0, 12);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    String markerTopic() {
        return markerTopic;
    }

    /** Before the output is sent: its copy, if it comes before the marking, is held until {@link #marked}. */
    void publishing(String messageId) {
        awaiting.putIfAbsent(messageId, NO_COPY);
    }

    /** After the marking of these outputs has committed: their copies held so far are acknowledged. */
    void marked(List<String> messageIds) {
        for (String id : messageIds) {
            Runnable held = awaiting.remove(id);
            if (held != null) {
                held.run();
            }
        }
    }

    /** Outputs published and not marked yet (held copies included). */
    int awaiting() {
        return awaiting.size();
    }

    /** On the connection's callback thread. */
    void onCopy(Inbound copy) {
        Optional<String> id = messageId(copy.payload());
        synchronized (this) {
            if (draining) {
                drained.add(new Copy(id, Optional.empty(), copy::acknowledge));
                return;
            }
        }
        settle(id, copy::acknowledge);
    }

    /** On the connection's callback thread. */
    void onMarker(Inbound marker) {
        synchronized (this) {
            if (draining) {
                drained.add(new Copy(
                        Optional.empty(),
                        Optional.of(new String(marker.payload(), StandardCharsets.UTF_8)),
                        marker::acknowledge));
                return;
            }
        }
        marker.acknowledge(); // a takeover's, or a marker of a drain that stopped early, or of an earlier start
        barrierBack(new String(marker.payload(), StandardCharsets.UTF_8));
    }

    private void barrierBack(String nonce) {
        CompletableFuture<Void> waiting = barriers.remove(nonce);
        if (waiting != null) {
            waiting.complete(null);
        }
    }

    /** Holds a copy of an output not marked yet; acknowledges any other at once. */
    private void settle(Optional<String> id, Runnable ack) {
        Runnable[] earlier = {null};
        if (id.isPresent()
                && awaiting.computeIfPresent(id.get(), (k, v) -> {
                            earlier[0] = v;
                            return ack;
                        })
                        != null) {
            if (earlier[0] != null && earlier[0] != NO_COPY) {
                // a second copy of the same output (the broker handed it over again, or routed a resend): the later
                // one stays held as the proof; the earlier must be acknowledged, as the client acknowledges in order
                // and one never acknowledged holds back every later acknowledgement on the connection for good
                earlier[0].run();
            }
            java.util.function.Consumer<String> settling = watching.remove(id.get());
            if (settling != null) {
                settling.accept(id.get()); // marked now: its held acknowledgement must not keep the marker out
            }
            return;
        }
        id.ifPresent(seen::add);
        ack.run();
    }

    /**
     * At start, before the first input and before publishing again what this instance left unmarked: takes the copies
     * its session holds, has those of {@code unmarked} marked published ({@code mark}, which must not return before the
     * marking committed), acknowledges every copy, and says which outputs the broker had taken.
     *
     * @param unmarked this instance's messages not marked published
     * @param mark marks these messages published; false when it could not (stopping): their copies are then left
     *     unacknowledged in the session, for the next start
     * @param stillWaiting run once when the drain has taken {@link #INPUTS_WAIT} (inputs are handled from then on)
     * @return the messages of {@code unmarked} the broker showed it had taken; they are marked published now
     */
    Set<String> drain(Set<String> unmarked, Predicate<List<String>> mark, Runnable stillWaiting) {
        Set<String> shown = new HashSet<>();
        if (unmarked.isEmpty()) {
            endDrain();
            return shown;
        }
        long started = System.nanoTime();
        String nonce = java.util.UUID.randomUUID().toString();
        mqtt.publish(markerTopic, nonce.getBytes(StandardCharsets.UTF_8), false).whenComplete((ok, e) -> {
            if (e != null) {
                synchronized (this) {
                    if (draining) {
                        drained.add(new Copy(Optional.empty(), Optional.of("failed: " + e.getMessage()), () -> {}));
                    }
                }
            }
        });
        List<Copy> held = new ArrayList<>();
        String outcome = "timed out";
        long deadline = started + DRAIN_LIMIT.toNanos();
        long inputsFrom = started + INPUTS_WAIT.toNanos();
        boolean inputsWaiting = true;
        try {
            while (true) {
                long until = inputsWaiting ? Math.min(deadline, inputsFrom) : deadline;
                Copy c = drained.poll(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (c == null && inputsWaiting && System.nanoTime() - deadline < 0) {
                    inputsWaiting = false;
                    markAndAcknowledge(held, mark);
                    stillWaiting.run(); // from now on the inputs before the marker are handled, and acknowledged
                    continue;
                }
                if (c == null) {
                    break;
                }
                if (c.marker().isPresent()) {
                    c.ack().run();
                    if (c.marker().get().equals(nonce)) {
                        outcome = "complete";
                        break;
                    }
                    barrierBack(c.marker().get());
                    if (c.marker().get().startsWith("failed: ")) {
                        outcome = "the marker could not be published ("
                                + c.marker().get().substring(8) + ")";
                        break;
                    }
                    continue; // an earlier start's marker
                }
                if (c.messageId().isPresent() && unmarked.contains(c.messageId().get())) {
                    shown.add(c.messageId().get());
                    held.add(c);
                    if (held.size() >= DRAIN_BATCH) {
                        markAndAcknowledge(held, mark);
                    }
                    if (shown.size() == unmarked.size()) {
                        outcome = "complete";
                        break; // every unmarked output was taken: nothing is left to wait for
                    }
                } else {
                    settle(c.messageId(), c.ack()); // once inputs are handled, a copy of a new output is held too
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            outcome = "interrupted";
        }
        markAndAcknowledge(held, mark);
        endDrain();
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        if (outcome.equals("complete")) {
            LOG.info(
                    "The broker held copies of {} of the {} message(s) not marked published before the last stop:"
                            + " marked published, not sent again ({} ms)",
                    shown.size(),
                    unmarked.size(),
                    millis);
        } else {
            LOG.warn(
                    "The broker's copies of this instance's outputs could not all be read ({} after {} ms): {} of {}"
                            + " message(s) not marked published were shown taken; the rest are sent again and may"
                            + " come out twice",
                    outcome,
                    millis,
                    shown.size(),
                    unmarked.size());
        }
        return shown;
    }

    /**
     * At a takeover of a dead instance's messages not marked published: which of them the broker had routed, shown by
     * their copies this instance received. Completes at once when every one has shown; otherwise once a marker this
     * instance publishes to its own topic has come back (Mosquitto hands a session's messages over in order, so every
     * copy routed before it has come by then). Completes exceptionally when the marker cannot be published or does not
     * come back within {@code limit}.
     */
    CompletableFuture<Set<String>> shownOf(List<String> messageIds, Duration limit) {
        return shownAfterMarker(messageIds, seen::contains, limit);
    }

    /**
     * After a loss of the connection this instance's outputs go out on (one without a session, decision 0046): which of
     * its outputs that failed there the broker had routed, shown by their copies, held ({@link #publishing}) or already
     * acknowledged. Call it once the next connection is up: the broker dropped the lost one when that connected, so
     * nothing sent on it is routed after the marker, and every copy routed before the marker has come by then. Completes
     * exceptionally like {@link #shownOf}.
     */
    CompletableFuture<Set<String>> routedOf(
            List<String> messageIds, Duration limit, java.util.function.Consumer<String> shownNow) {
        // each is told as its copy comes, to be marked at once: the broker hands the witness no more than its
        // in-flight window of unacknowledged messages (Mosquitto: max_inflight_messages, 20), and held copies would
        // keep the marker behind them
        Set<String> told = ConcurrentHashMap.newKeySet();
        java.util.function.Consumer<String> tell = id -> {
            told.add(id);
            shownNow.accept(id);
        };
        messageIds.forEach(id -> watching.put(id, tell));
        for (String id : messageIds) {
            if (copyCame(id) && watching.remove(id) != null) {
                tell.accept(id);
            }
        }
        // a copy told and marked is no longer held: it counts as shown
        return shownAfterMarker(messageIds, id -> told.contains(id) || copyCame(id), limit)
                .whenComplete((ok, e) -> messageIds.forEach(watching::remove));
    }

    private boolean copyCame(String messageId) {
        Runnable held = awaiting.get(messageId);
        return (held != null && held != NO_COPY) || seen.contains(messageId);
    }

    private CompletableFuture<Set<String>> shownAfterMarker(
            List<String> messageIds, Predicate<String> shown, Duration limit) {
        if (messageIds.stream().allMatch(shown)) {
            return CompletableFuture.completedFuture(Set.copyOf(messageIds));
        }
        String nonce = java.util.UUID.randomUUID().toString();
        CompletableFuture<Void> back = new CompletableFuture<>();
        barriers.put(nonce, back);
        mqtt.publish(markerTopic, nonce.getBytes(StandardCharsets.UTF_8), false).whenComplete((ok, e) -> {
            if (e != null) {
                back.completeExceptionally(e);
            }
        });
        return back.orTimeout(limit.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((ok, e) -> barriers.remove(nonce))
                .thenApply(ok -> messageIds.stream().filter(shown).collect(Collectors.toSet()));
    }

    /** How many copies' ids are remembered now. */
    int remembered() {
        return seen.size();
    }

    private static void markAndAcknowledge(List<Copy> held, Predicate<List<String>> mark) {
        if (held.isEmpty()) {
            return;
        }
        if (mark.test(held.stream().map(c -> c.messageId().orElseThrow()).toList())) {
            held.forEach(c -> c.ack().run());
        }
        held.clear();
    }

    /** From now on copies are settled as they come; those that came meanwhile are settled now. */
    private void endDrain() {
        List<Copy> rest = new ArrayList<>();
        synchronized (this) {
            draining = false;
            drained.drainTo(rest);
        }
        rest.forEach(c -> {
            if (c.marker().isPresent()) {
                c.ack().run();
                barrierBack(c.marker().get());
            } else {
                settle(c.messageId(), c.ack());
            }
        });
    }

    /** The top-level {@code message_id} of an output, read without building the whole tree. */
    static Optional<String> messageId(byte[] payload) {
        try (JsonParser p = Json.mapper().getFactory().createParser(payload)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return Optional.empty();
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (name.equals("message_id") && value == JsonToken.VALUE_STRING) {
                    return Optional.of(p.getText());
                }
                p.skipChildren();
            }
        } catch (IOException e) {
            // not JSON: not one of the service's outputs
        }
        return Optional.empty();
    }
}
