package dev.aichatroom.mqtt;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5MessageException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The instances of the product that share a role on one broker, each announced by a retained message on {@code
 * {prefix}{client id}} ({@code {"client_id":…,"since":epoch ms}}) that its will clears when it drops and that it
 * clears itself when it stops. Every instance hears the same announcements, so they agree without talking to each
 * other on which one has been there longest: {@link #oldest()}. On a broker cluster a node keeps only the retained
 * announcements published on it, so an instance answers every new announcement it hears with its own, live (decision
 * 0010), and a newcomer waits {@link #ECHO} for those answers before it counts as {@link #settled()}. An instance that reconnects announces itself anew, so
 * leadership only moves when the instance holding it goes away.
 *
 * <p>A will can be lost (a broker that crashes keeps retained messages but sends no wills), and an announcement nobody
 * clears would make every instance wait for one that is gone. So each instance repeats its announcement every {@link
 * Timing#refresh()}, announcements expire at the broker after {@link Timing#stale()} (MQTT 5 message expiry), and an
 * instance not heard from for that long counts as gone.
 *
 * <p>Runs on a connection of its own ({@code {client id}-presence}, clean, no session), because the will belongs to
 * the connection.
 */
public final class InstancePresence implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InstancePresence.class);
    /** How long the retained announcements may take to arrive after the subscription is acknowledged. */
    static final Duration SETTLE = Duration.ofMillis(300);
    /**
     * How long the other instances' answers to this one's announcement may take to arrive: on a broker cluster that
     * keeps retained messages per node, an instance connected to another node is heard only through its answer.
     */
    static final Duration ECHO = Duration.ofMillis(1500);
    /** How long an answer waits for more announcements to answer at once. */
    private static final Duration ECHO_GATHER = Duration.ofMillis(50);
    /**
     * When an answer is repeated: a cluster tells its nodes of a new subscription apart from the messages it forwards,
     * so the first answer may reach the newcomer's node before that node's subscription is known here.
     */
    private static final Duration ECHO_REPEAT = Duration.ofMillis(500);
    /** Oldest announcement first; the client id breaks a tie, so every instance orders alike. */
    private static final Comparator<Map.Entry<String, Long>> ORDER =
            Map.Entry.<String, Long>comparingByValue().thenComparing(Map.Entry.comparingByKey());

    /** How often an instance repeats its announcement, and after how long without one it counts as gone. */
    public record Timing(Duration refresh, Duration stale) {
        public static final Timing DEFAULT = new Timing(Duration.ofSeconds(20), Duration.ofSeconds(65));
    }

    private record Heard(long since, long atNanos) {}

    private final String topicPrefix;
    /** The prefix without its trailing '/', for the log. */
    private final String topics;

    private final String self;
    private final Clock clock;
    private final Runnable onChange;
    private final Map<String, Heard> instances = new ConcurrentHashMap<>();
    private final Timing timing;
    private final ScheduledExecutorService timer;
    private volatile long since;
    /** When the subscription was last acknowledged (nanoTime), 0 while (re)subscribing. */
    private final AtomicLong subscribedAt = new AtomicLong();

    private final Mqtt5AsyncClient client;
    private volatile boolean closing;
    /** Why the broker refused the announcement or the subscription, if it did. */
    private volatile String refused;

    private volatile boolean started;
    private final java.util.concurrent.atomic.AtomicBoolean echoPending =
            new java.util.concurrent.atomic.AtomicBoolean();

    private InstancePresence(
            MqttSettings settings, String topicPrefix, String self, Clock clock, Timing timing, Runnable onChange) {
        this.timing = timing;
        this.timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("presence-" + self).daemon(true).factory());
        this.topicPrefix = topicPrefix;
        this.topics = topicPrefix.substring(0, topicPrefix.length() - 1);
        this.self = self;
        this.clock = clock;
        this.onChange = onChange;
        this.client = MqttConnection.builder(settings, self + "-presence")
                .automaticReconnect()
                .initialDelay(500, TimeUnit.MILLISECONDS)
                .maxDelay(10, TimeUnit.SECONDS)
                .applyAutomaticReconnect()
                .addConnectedListener(ctx -> announce())
                .addDisconnectedListener(ctx -> {
                    if (!closing) {
                        LOG.info(
                                "Presence on {}{} lost ({}); reconnecting",
                                topicPrefix,
                                self,
                                ctx.getCause() == null ? "no reason" : MqttConnection.rootMessage(ctx.getCause()));
                    }
                })
                .buildAsync();
        client.publishes(MqttGlobalPublishFilter.ALL, this::onAnnouncement);
    }

    /**
     * Connects, announces this instance and waits until the others' announcements have arrived.
     *
     * @param onChange runs (on an MQTT thread, never blocking) whenever the set of instances changes
     * @throws MqttException when the broker cannot be reached within {@code timeout} or refuses the topics
     */
    public static InstancePresence start(
            MqttSettings settings, String topicPrefix, Clock clock, Duration timeout, Runnable onChange) {
        return start(settings, topicPrefix, clock, timeout, Timing.DEFAULT, onChange);
    }

    /** {@link #start(MqttSettings, String, Clock, Duration, Runnable)} with other intervals. */
    public static InstancePresence start(
            MqttSettings settings,
            String topicPrefix,
            Clock clock,
            Duration timeout,
            Timing timing,
            Runnable onChange) {
        InstancePresence p = new InstancePresence(settings, topicPrefix, settings.clientId(), clock, timing, onChange);
        try {
            p.connect().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!p.retainedIn() && p.refused == null && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            if (!p.retainedIn()) {
                throw new MqttException(
                        p.refused != null ? p.refused : "no answer within " + timeout.toSeconds() + " s", null);
            }
            p.started = true;
            long every = timing.refresh().toMillis();
            p.timer.scheduleAtFixedRate(p::refresh, every, every, TimeUnit.MILLISECONDS);
            long watch = MqttConnection.WATCHDOG_EVERY.toMillis();
            p.timer.scheduleWithFixedDelay(p::watch, watch, watch, TimeUnit.MILLISECONDS);
            return p;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.close();
            throw new MqttException("interrupted while announcing " + p.self, e);
        } catch (Exception e) {
            p.close(); // clears an announcement that got through, so nobody waits for this instance
            throw new MqttException(
                    "cannot announce " + p.self + " on " + topicPrefix + " at " + settings.host() + ":"
                            + settings.port() + " (" + MqttConnection.rootMessage(e) + ")",
                    e);
        }
    }

    /**
     * Above the client's automatic reconnect: a connection that is down and no longer being retried is opened again
     * (with its will), so the election never stays cut off.
     */
    private void watch() {
        if (closing || client.getState() != com.hivemq.client.mqtt.MqttClientState.DISCONNECTED) {
            return;
        }
        LOG.warn("Presence on {}{} is down and not being retried; connecting again", topicPrefix, self);
        connect().whenComplete((ack, e) -> {
            if (e != null) {
                LOG.debug("Presence reconnect of {}: {}", self, MqttConnection.rootMessage(e));
            }
        });
    }

    private CompletableFuture<?> connect() {
        return client.connectWith()
                .cleanStart(true)
                .sessionExpiryInterval(0)
                .willPublish()
                .topic(topicPrefix + self)
                .payload(new byte[0])
                .qos(MqttQos.AT_LEAST_ONCE)
                .retain(true)
                .applyWillPublish()
                .send();
    }

    /** Whether its connection is up: an instance cut off cannot know who answers calls. */
    public boolean isConnected() {
        return client.getState().isConnected();
    }

    /** On every (re)connect: forget what may have gone meanwhile, announce now, read the others again. */
    private void announce() {
        instances.clear();
        since = clock.millis();
        instances.put(self, new Heard(since, System.nanoTime()));
        subscribedAt.set(0);
        // subscribed before announcing: the others answer the announcement at once, live (on a cluster, from other
        // nodes)
        client.subscribe(MqttConnection.subscription(List.of(topicPrefix + "+"), MqttQos.AT_LEAST_ONCE))
                .thenCompose(ack -> publishAnnouncement())
                .whenComplete((ack, e) -> {
                    if (e != null) {
                        refused = refusal(e);
                        if (started) { // during start() the caller says what it does about it
                            LOG.warn("Cannot announce {} on {}: {}", self, topicPrefix, refused);
                        }
                    } else {
                        refused = null;
                        subscribedAt.set(System.nanoTime());
                        // the retained announcements follow the SUBACK, the other nodes' answers follow ours:
                        // decide again once they are in
                        CompletableFuture.delayedExecutor(SETTLE.toMillis() + 50, TimeUnit.MILLISECONDS)
                                .execute(onChange);
                        CompletableFuture.delayedExecutor(ECHO.toMillis() + 50, TimeUnit.MILLISECONDS)
                                .execute(onChange);
                    }
                });
        onChange.run();
    }

    /** The broker's reason code where it gave one (e.g. NOT_AUTHORIZED from an ACL), else the error. */
    private static String refusal(Throwable e) {
        return MqttConnection.rootCause(e) instanceof Mqtt5MessageException m
                ? "the broker answered " + m.getMqttMessage()
                : MqttConnection.rootMessage(e);
    }

    private CompletableFuture<?> publishAnnouncement() {
        return client.publishWith()
                .topic(topicPrefix + self)
                .payload(Json.bytes(Map.of("client_id", self, "since", since)))
                .qos(MqttQos.AT_LEAST_ONCE)
                .retain(true)
                .messageExpiryInterval(timing.stale().toSeconds())
                .send();
    }

    /** Repeats this instance's announcement and forgets the instances not heard from for {@link Timing#stale()}. */
    private void refresh() {
        try {
            if (client.getState().isConnected()) {
                publishAnnouncement();
            }
            long now = System.nanoTime();
            boolean changed = instances.entrySet().removeIf(e -> {
                boolean silent = !e.getKey().equals(self)
                        && now - e.getValue().atNanos() > timing.stale().toNanos();
                if (silent) {
                    LOG.info(
                            "Instance {} not heard from for {} s on {}; counted as gone",
                            e.getKey(),
                            timing.stale().toSeconds(),
                            topics);
                }
                return silent;
            });
            if (changed) {
                onChange.run();
            }
        } catch (RuntimeException e) {
            LOG.warn("Presence refresh of {} failed: {}", self, e.toString());
        }
    }

    private void onAnnouncement(Mqtt5Publish p) {
        String topic = p.getTopic().toString();
        if (!topic.startsWith(topicPrefix)) {
            return;
        }
        String id = topic.substring(topicPrefix.length());
        Optional<Long> announced = Json.tree(p.getPayloadAsBytes())
                .map(j -> j.get("since"))
                .filter(JsonNode::canConvertToLong)
                .map(JsonNode::asLong);
        if (id.equals(self)) {
            return; // our own announcement (or a stale copy of it): we know when we announced
        }
        Heard before = announced.isPresent()
                ? instances.put(id, new Heard(announced.get(), System.nanoTime()))
                : instances.remove(id);
        if (!java.util.Objects.equals(before == null ? null : before.since(), announced.orElse(null))) {
            LOG.info("Instance {} {} on {}", id, announced.isPresent() ? "announced" : "gone", topics);
            if (announced.isPresent()) {
                answer();
            }
            onChange.run();
        }
    }

    /**
     * Answers a new (or renewed) announcement with this instance's own, at once: an instance connected to another
     * node of a broker cluster did not get this one's retained announcement (the nodes keep their own) and would
     * otherwise hear of it only at the next refresh. Answers are not answered again (nothing changed for the other
     * side), answers to several announcements within {@link #ECHO_GATHER} go out as one, and each is repeated once
     * after {@link #ECHO_REPEAT}.
     */
    private void answer() {
        if (closing || !echoPending.compareAndSet(false, true)) {
            return;
        }
        try {
            timer.schedule(
                    () -> {
                        echoPending.set(false);
                        republish();
                    },
                    ECHO_GATHER.toMillis(),
                    TimeUnit.MILLISECONDS);
            timer.schedule(this::republish, ECHO_REPEAT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            echoPending.set(false);
        }
    }

    private void republish() {
        if (!closing && client.getState().isConnected()) {
            publishAnnouncement();
        }
    }

    /** Whether the retained announcements that were there when this instance (re)subscribed have had time to arrive. */
    boolean retainedIn() {
        long at = subscribedAt.get();
        return at != 0 && System.nanoTime() - at >= SETTLE.toNanos();
    }

    /**
     * Whether every instance has had time to be heard since this one (re)subscribed: the retained announcements, and
     * the answers of instances on other nodes of a broker cluster ({@link #ECHO}).
     */
    public boolean settled() {
        long at = subscribedAt.get();
        return at != 0 && System.nanoTime() - at >= Math.max(SETTLE.toNanos(), ECHO.toNanos());
    }

    /** The instance announced longest (ties by client id), this one included. */
    public String oldest() {
        return instances().keySet().stream().findFirst().orElse(self);
    }

    /** The instances announced now, oldest first: client id → since (epoch ms). */
    public Map<String, Long> instances() {
        Map<String, Long> ordered = new LinkedHashMap<>();
        instances.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue().since()))
                .sorted(ORDER)
                .forEach(e -> ordered.put(e.getKey(), e.getValue()));
        return ordered;
    }

    public String self() {
        return self;
    }

    /** Withdraws the announcement (so the others need not wait for a will) and disconnects. */
    @Override
    public void close() {
        closing = true;
        timer.shutdownNow();
        try {
            client.publishWith()
                    .topic(topicPrefix + self)
                    .payload(new byte[0])
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .retain(true)
                    .send()
                    .get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debug("Cannot withdraw {} from {}: {}", self, topicPrefix, MqttConnection.rootMessage(e));
        }
        try {
            client.disconnect().get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debug("Presence disconnect of {}: {}", self, MqttConnection.rootMessage(e));
        }
    }
}
