package dev.aichatroom.mqtt;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscribe;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5SubscribeBuilder;
import com.hivemq.client.mqtt.mqtt5.message.unsubscribe.Mqtt5Unsubscribe;
import com.hivemq.client.mqtt.mqtt5.message.unsubscribe.Mqtt5UnsubscribeBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.AbstractMap;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The product's one MQTT 5 connection: persistent session, QoS 1, automatic reconnect. Inbound messages are handed
 * to their subscriber on the caller's executor and acknowledged by the subscriber once handled, so a crash before
 * that leaves them with the broker. Outbound publishes go through one bounded path: when the broker is slow, callers
 * wait for a permit instead of growing memory.
 */
public final class MqttConnection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MqttConnection.class);
    private static final int MAX_IN_FLIGHT_PUBLISHES = 10_000;

    private final MqttSettings settings;
    private final Mqtt5AsyncClient client;
    private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
    private final Semaphore publishPermits = new Semaphore(MAX_IN_FLIGHT_PUBLISHES);
    private final ExecutorService publisher;
    private final AtomicReference<OffsetDateTime> connectedSince = new AtomicReference<>();
    private volatile boolean closing;
    private volatile boolean everConnected;

    private record Subscription(String filter, Consumer<Inbound> handler) {}

    public MqttConnection(MqttSettings settings) {
        this.settings = settings;
        this.publisher = Executors.newSingleThreadExecutor(Thread.ofPlatform()
                .name("mqtt-publish-" + settings.clientId())
                .daemon(true)
                .factory());
        Mqtt5ClientBuilder builder = builder(settings, settings.clientId())
                .automaticReconnect()
                .initialDelay(200, TimeUnit.MILLISECONDS)
                .maxDelay(5, TimeUnit.SECONDS)
                .applyAutomaticReconnect()
                .addConnectedListener(ctx -> {
                    everConnected = true;
                    connectedSince.set(OffsetDateTime.now());
                    LOG.info("MQTT connected to {}:{} as '{}'", settings.host(), settings.port(), settings.clientId());
                })
                .addDisconnectedListener(ctx -> {
                    boolean wasConnected = connectedSince.getAndSet(null) != null;
                    if (!everConnected && isTlsRefusal(ctx.getCause())) {
                        // a certificate nobody vouches for will not change by retrying: fail start-up now
                        ctx.getReconnector().reconnect(false);
                    }
                    if (!closing && wasConnected) {
                        LOG.warn(
                                "MQTT connection to {}:{} lost ({}); reconnecting",
                                settings.host(),
                                settings.port(),
                                ctx.getCause().getMessage());
                    }
                });
        this.client = builder.buildAsync();
    }

    /**
     * An MQTT 5 client for {@code settings}' broker, with its account and its TLS, as {@code clientId}: every
     * connection the product opens to its broker starts here.
     */
    static Mqtt5ClientBuilder builder(MqttSettings settings, String clientId) {
        Mqtt5ClientBuilder b = MqttClient.builder()
                .useMqttVersion5()
                .identifier(clientId)
                .serverHost(settings.host())
                .serverPort(settings.port());
        if (settings.username().isPresent()) {
            b = b.simpleAuth()
                    .username(settings.username().get())
                    .password(settings.password().orElse("").getBytes(StandardCharsets.UTF_8))
                    .applySimpleAuth();
        }
        if (settings.tls() && settings.trust().isPresent()) {
            b = b.sslConfig().trustManagerFactory(settings.trust().get()).applySslConfig();
        } else if (settings.tls()) {
            b = b.sslWithDefaultConfig();
        }
        return b;
    }

    /** Registers a handler before {@link #connect}; messages queued in the persistent session reach it too. */
    public void subscribe(String filter, Consumer<Inbound> handler) {
        if (client.getState().isConnectedOrReconnect()) {
            throw new IllegalStateException("subscribe before connect: " + filter);
        }
        subscriptions.add(new Subscription(filter, handler));
    }

    /** Connects, subscribes every registered filter with QoS 1, and returns once both are acknowledged. */
    public void connect(Duration timeout) {
        client.publishes(MqttGlobalPublishFilter.ALL, this::dispatch, true);
        try {
            client.connectWith()
                    .cleanStart(false)
                    .sessionExpiryInterval(settings.sessionExpirySeconds())
                    .restrictions()
                    .receiveMaximum(settings.receiveMaximum())
                    .applyRestrictions()
                    .send()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!subscriptions.isEmpty()) {
                client.subscribe(subscribeAll()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (Exception e) {
            throw new MqttException(
                    "cannot connect to the MQTT broker at " + settings.host() + ":" + settings.port() + " ("
                            + rootMessage(e) + "): check MQTT_BROKER, MQTT_PORT, MQTT_TLS and the credentials",
                    e);
        }
    }

    private Mqtt5Subscribe subscribeAll() {
        return subscription(subscriptions.stream().map(Subscription::filter).toList(), MqttQos.AT_LEAST_ONCE);
    }

    /** One SUBSCRIBE for all of {@code filters} at {@code qos}. */
    static Mqtt5Subscribe subscription(List<String> filters, MqttQos qos) {
        if (filters.isEmpty()) {
            throw new IllegalArgumentException("no topic filters");
        }
        Mqtt5SubscribeBuilder.Start start = Mqtt5Subscribe.builder();
        Mqtt5SubscribeBuilder.Complete complete = null;
        for (String filter : filters) {
            complete = (complete == null ? start : complete)
                    .addSubscription()
                    .topicFilter(filter)
                    .qos(qos)
                    .applySubscription();
        }
        return complete.build();
    }

    /**
     * Asks the broker to stop sending these filters, e.g. a shared-subscription member that is about to stop; their
     * handlers stay, for messages already on their way.
     */
    public CompletableFuture<Void> unsubscribe(List<String> filters) {
        if (filters.isEmpty() || !client.getState().isConnected()) {
            return CompletableFuture.completedFuture(null);
        }
        Mqtt5UnsubscribeBuilder.Complete unsubscribe = null;
        for (String filter : filters) {
            unsubscribe = unsubscribe == null
                    ? Mqtt5Unsubscribe.builder().topicFilter(filter)
                    : unsubscribe.addTopicFilter(filter);
        }
        return client.unsubscribe(unsubscribe.build()).thenApply(ack -> null);
    }

    private void dispatch(Mqtt5Publish publish) {
        String topic = publish.getTopic().toString();
        Inbound inbound = new Inbound(
                topic,
                publish.getPayloadAsBytes(),
                publish.getUserProperties().asList().stream()
                        .map(p -> (java.util.Map.Entry<String, String>) new AbstractMap.SimpleImmutableEntry<>(
                                p.getName().toString(), p.getValue().toString()))
                        .toList(),
                publish::acknowledge);
        for (Subscription s : subscriptions) {
            if (TopicFilter.matches(s.filter(), topic)) {
                s.handler().accept(inbound);
                return;
            }
        }
        publish.acknowledge();
    }

    /**
     * Publishes with QoS 1. Blocks the caller (a virtual thread) only while {@value #MAX_IN_FLIGHT_PUBLISHES}
     * publishes are already waiting for the broker.
     */
    public CompletableFuture<Void> publish(String topic, byte[] payload, boolean retain) {
        try {
            publishPermits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        // the permit goes back on every path: a topic the client library refuses (U+0000, a lone surrogate) throws
        // before anything is sent, and 10,000 such throws would otherwise stop this connection publishing for good
        try {
            publisher.execute(() -> send(topic, payload, retain, done));
        } catch (RuntimeException e) {
            publishPermits.release();
            done.completeExceptionally(e);
        }
        return done;
    }

    private void send(String topic, byte[] payload, boolean retain, CompletableFuture<Void> done) {
        CompletableFuture<? extends Mqtt5PublishResult> sent;
        try {
            sent = client.publishWith()
                    .topic(topic)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .retain(retain)
                    .payload(payload)
                    .send();
        } catch (RuntimeException e) {
            publishPermits.release();
            done.completeExceptionally(e);
            return;
        }
        sent.whenComplete((result, error) -> {
            publishPermits.release();
            Throwable failure = error != null ? error : result.getError().orElse(null);
            if (failure != null) {
                done.completeExceptionally(failure);
            } else {
                done.complete(null);
            }
        });
    }

    public boolean isConnected() {
        return client.getState().isConnected();
    }

    public Optional<OffsetDateTime> connectedSince() {
        return Optional.ofNullable(connectedSince.get());
    }

    public String endpoint() {
        return settings.host() + ":" + settings.port();
    }

    @Override
    public void close() {
        closing = true;
        try {
            if (client.getState().isConnectedOrReconnect()) {
                client.disconnect().get(5, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            LOG.warn("MQTT disconnect did not complete: {}", rootMessage(e));
        }
        publisher.shutdown();
    }

    private static boolean isTlsRefusal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof javax.net.ssl.SSLException) {
                return true;
            }
        }
        return false;
    }

    static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    static String rootMessage(Throwable e) {
        Throwable t = rootCause(e);
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
