package dev.aichatroom.mqtt;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The instances of the product that share a role on one broker, each announced by a retained message on {@code
 * {prefix}{client id}} ({@code {"client_id":…,"since":epoch ms}}) that its will clears when it drops and that it
 * clears itself when it stops. Every instance sees the same announcements, so they agree without talking to each
 * other on which one has been there longest: {@link #oldest()}. An instance that reconnects announces itself anew, so
 * leadership only moves when the instance holding it goes away.
 *
 * <p>Runs on a connection of its own ({@code {client id}-presence}, clean, no session), because the will belongs to
 * the connection.
 */
public final class InstancePresence implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InstancePresence.class);
    /** How long the retained announcements may take to arrive after the subscription is acknowledged. */
    static final Duration SETTLE = Duration.ofMillis(300);
    /** Oldest announcement first; the client id breaks a tie, so every instance orders alike. */
    private static final Comparator<Map.Entry<String, Long>> ORDER =
            Map.Entry.<String, Long>comparingByValue().thenComparing(Map.Entry.comparingByKey());

    private final String topicPrefix;
    private final String self;
    private final Clock clock;
    private final Runnable onChange;
    private final Map<String, Long> instances = new ConcurrentHashMap<>();
    /** When the subscription was last acknowledged (nanoTime), 0 while (re)subscribing. */
    private final AtomicLong subscribedAt = new AtomicLong();

    private final Mqtt5AsyncClient client;
    private volatile boolean closing;
    /** Why the broker refused the announcement or the subscription, if it did. */
    private volatile String refused;

    private InstancePresence(MqttSettings settings, String topicPrefix, String self, Clock clock, Runnable onChange) {
        this.topicPrefix = topicPrefix;
        this.self = self;
        this.clock = clock;
        this.onChange = onChange;
        this.client = MqttConnection.secured(
                        MqttClient.builder()
                                .useMqttVersion5()
                                .identifier(self + "-presence")
                                .serverHost(settings.host())
                                .serverPort(settings.port())
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
                                                ctx.getCause() == null
                                                        ? "no reason"
                                                        : MqttConnection.rootMessage(ctx.getCause()));
                                    }
                                }),
                        settings)
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
        InstancePresence p = new InstancePresence(settings, topicPrefix, settings.clientId(), clock, onChange);
        try {
            p.client
                    .connectWith()
                    .cleanStart(true)
                    .sessionExpiryInterval(0)
                    .willPublish()
                    .topic(topicPrefix + p.self)
                    .payload(new byte[0])
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .retain(true)
                    .applyWillPublish()
                    .send()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!p.settled() && p.refused == null && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            if (!p.settled()) {
                throw new MqttException(
                        p.refused != null ? p.refused : "no answer within " + timeout.toSeconds() + " s", null);
            }
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

    /** On every (re)connect: forget what may have gone meanwhile, announce now, read the others again. */
    private void announce() {
        instances.clear();
        long since = clock.millis();
        instances.put(self, since);
        subscribedAt.set(0);
        byte[] payload = Json.bytes(Map.of("client_id", self, "since", since));
        client.publishWith()
                .topic(topicPrefix + self)
                .payload(payload)
                .qos(MqttQos.AT_LEAST_ONCE)
                .retain(true)
                .send()
                .thenCompose(ack -> client.subscribe(
                        MqttConnection.subscription(List.of(topicPrefix + "+"), MqttQos.AT_LEAST_ONCE)))
                .whenComplete((ack, e) -> {
                    if (e != null) {
                        refused = MqttConnection.rootMessage(e);
                        LOG.warn("Cannot announce {} on {}: {}", self, topicPrefix, refused);
                    } else {
                        refused = null;
                        subscribedAt.set(System.nanoTime());
                        // the retained announcements follow the SUBACK: decide again once they are in
                        CompletableFuture.delayedExecutor(SETTLE.toMillis() + 50, TimeUnit.MILLISECONDS)
                                .execute(onChange);
                    }
                });
        onChange.run();
    }

    private void onAnnouncement(Mqtt5Publish p) {
        String topic = p.getTopic().toString();
        if (!topic.startsWith(topicPrefix)) {
            return;
        }
        String id = topic.substring(topicPrefix.length());
        Optional<Long> since = Json.tree(p.getPayloadAsBytes())
                .map(j -> j.get("since"))
                .filter(JsonNode::canConvertToLong)
                .map(JsonNode::asLong);
        if (id.equals(self)) {
            return; // our own announcement (or a stale copy of it): we know when we announced
        }
        Long before = since.isPresent() ? instances.put(id, since.get()) : instances.remove(id);
        if (!java.util.Objects.equals(before, since.orElse(null))) {
            LOG.info(
                    "Instance {} {} on {}",
                    id,
                    since.isPresent() ? "announced" : "gone",
                    topicPrefix.substring(0, topicPrefix.length() - 1));
            onChange.run();
        }
    }

    /** Whether the announcements that were there when this instance (re)subscribed have had time to arrive. */
    public boolean settled() {
        long at = subscribedAt.get();
        return at != 0 && System.nanoTime() - at >= SETTLE.toNanos();
    }

    /** The instance announced longest (ties by client id), this one included. */
    public String oldest() {
        return instances.entrySet().stream().min(ORDER).map(Map.Entry::getKey).orElse(self);
    }

    /** The instances announced now, oldest first: client id → since (epoch ms). */
    public Map<String, Long> instances() {
        Map<String, Long> ordered = new LinkedHashMap<>();
        instances.entrySet().stream().sorted(ORDER).forEach(e -> ordered.put(e.getKey(), e.getValue()));
        return ordered;
    }

    public String self() {
        return self;
    }

    /** Withdraws the announcement (so the others need not wait for a will) and disconnects. */
    @Override
    public void close() {
        closing = true;
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
