package dev.aichatroom.mqtt;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientState;
import com.hivemq.client.mqtt.MqttClientTransportConfig;
import com.hivemq.client.mqtt.MqttClientTransportConfigBuilder;
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
import io.netty.channel.Channel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.AbstractMap;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The product's one MQTT 5 connection: persistent session, QoS 1, reconnects for as long as the product runs.
 * Inbound messages are handed to their subscriber on the client's callback thread (HiveMQ's application scheduler,
 * a thread of RxJava's computation pool, which takes them from the connection's event loop) or on one thread of their
 * own, never waiting there (what bounds them is the broker, which sends no more unacknowledged QoS 1 messages than the
 * connection's window, {@link InboundWindow}; QoS 0 ones that pile up are dropped), and acknowledged by the subscriber
 * once handled, so a crash before that leaves them with the broker. Outbound publishes are sent from the caller's
 * thread on one bounded path: when the broker is slow, callers wait for a permit instead of growing memory.
 *
 * <p>{@link #start} returns at once: the first connection, and every one after a loss, is retried with capped
 * exponential backoff and jitter; a watchdog re-opens a connection the client stopped retrying; {@link #health()} says
 * which it is. The account is part of the client, so every reconnect logs in again.
 */
public final class MqttConnection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MqttConnection.class);
    private static final int MAX_IN_FLIGHT_PUBLISHES = 10_000;
    /** QoS 0 messages that may wait for the inbound thread; beyond, they are dropped. */
    static final int INBOUND_QOS0_QUEUE = 10_000;
    /** The most the MQTT 5 Receive Maximum allows, and what the service asks for. */
    public static final int RECEIVE_MAXIMUM = 65_535;

    static final Backoff BACKOFF = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(5));
    /** How often the watchdog looks at the connection. */
    public static final Duration WATCHDOG_EVERY = Duration.ofSeconds(2);
    /** How long a CONNECT may wait for its CONNACK (a listener that accepts and never answers). */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private final MqttSettings settings;
    /** How many unacknowledged inputs the connection reads before it waits for acknowledgements. */
    private final int window;

    private final Mqtt5AsyncClient client;
    private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
    private final List<Runnable> onReady = new CopyOnWriteArrayList<>();
    private final List<Runnable> onResumed = new CopyOnWriteArrayList<>();
    private final Semaphore publishPermits = new Semaphore(MAX_IN_FLIGHT_PUBLISHES);
    private final ExecutorService inbound;
    /** QoS 0 messages waiting for the inbound thread, at most {@link #INBOUND_QOS0_QUEUE}. */
    private final AtomicInteger inboundQos0 = new AtomicInteger();
    /** Event loop only. */
    private boolean inboundDropping;

    private final ScheduledExecutorService watchdog;
    private final AtomicReference<OffsetDateTime> connectedSince = new AtomicReference<>();
    private final AtomicInteger failures = new AtomicInteger();
    private final AtomicBoolean connecting = new AtomicBoolean();
    private final CompletableFuture<Void> firstOutcome = new CompletableFuture<>();
    private volatile boolean closing;
    private volatile boolean started;
    private volatile boolean everReady;
    /** The step before the first CONNECT is done: from now on the watchdog may connect. */
    private volatile boolean prepared;
    /** Connected and every filter subscribed. */
    private volatile boolean ready;
    /** Why the connection is not ready, for {@link #health()} and the log. */
    private volatile String problem = "not started";
    /** This process, in connection names. */
    private static final String RUN = java.util.UUID.randomUUID().toString();

    /** The QoS of {@link #publishOnce}: the setting's, or chosen before the first CONNECT when it is auto. */
    private volatile MqttQos onceQos;

    private final AtomicInteger connections = new AtomicInteger();

    /**
     * A connection without a session ({@code sessionExpirySeconds} 0, clean start): nothing it sent is sent again after
     * a loss. Its publishes go to the client only while {@link #openPublishes() open}; the loss closes them (on the
     * event loop, before the client fails what it had), and the next connection is opened only once every publish
     * handed over before has failed, so none of them goes out on it (docs/decisions/0046-outputs-on-a-connection-without-a-session.md).
     */
    private final boolean sessionless;

    private final Object handOver = new Object();
    /** Guarded by {@link #handOver}. */
    private boolean handingOver;
    /** Publishes handed to the client and not completed yet; guarded by {@link #handOver}. */
    private int handedOver;
    /** Completed once {@link #handedOver} is 0 after a loss; guarded by {@link #handOver}. */
    private CompletableFuture<Void> settled;
    /** The connection up now (or last), as {@link Inbound#connection()} names it. */
    private volatile String connectionName = "";

    /**
     * @param eventsOnly retained messages are not events: they are cleared on the broker and never handled
     * @param onEventLoop the handler runs on the client's callback thread (it never blocks) instead of the inbound
     *     thread
     */
    private record Subscription(String filter, Consumer<Inbound> handler, boolean eventsOnly, boolean onEventLoop) {}

    /** Capped exponential backoff with jitter: attempt n waits between half and all of min(cap, first × 2^n). */
    record Backoff(Duration first, Duration cap) {
        Duration delay(int attempt) {
            long ceiling = Math.min(cap.toMillis(), first.toMillis() << Math.min(attempt, 20));
            return Duration.ofMillis(ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1));
        }
    }

    /** A connection that keeps its session ({@code MQTT_SESSION_EXPIRY}; 0 keeps it only while connected). */
    public MqttConnection(MqttSettings settings) {
        this(settings, false);
    }

    /**
     * A connection without a session for chat messages (decision 0046): clean start, session expiry 0, publishes only
     * while {@link #openPublishes() open}.
     */
    public static MqttConnection withoutSession(MqttSettings settings) {
        if (settings.sessionExpirySeconds() != 0) {
            throw new IllegalArgumentException("a connection without a session has a session expiry of 0");
        }
        return new MqttConnection(settings, true);
    }

    private MqttConnection(MqttSettings settings, boolean sessionless) {
        this.settings = settings;
        this.sessionless = sessionless;
        this.window = InboundWindow.forReceiveMaximum(settings.receiveMaximum());
        this.onceQos = settings.outputQos() == 2 ? MqttQos.EXACTLY_ONCE : MqttQos.AT_LEAST_ONCE;
        this.inbound = Executors.newSingleThreadExecutor(Thread.ofPlatform()
                .name("mqtt-inbound-" + settings.clientId())
                .daemon(true)
                .factory());
        this.watchdog = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform()
                .name("mqtt-watchdog-" + settings.clientId())
                .daemon(true)
                .factory());
        Mqtt5ClientBuilder builder = builder(settings, settings.clientId())
                .addConnectedListener(ctx -> onConnected())
                .addDisconnectedListener(ctx -> {
                    boolean wasConnected = connectedSince.getAndSet(null) != null;
                    ready = false;
                    Throwable cause = ctx.getCause();
                    problem = (wasConnected ? "connection lost: " : "cannot connect: ") + rootMessage(cause);
                    if (closing) {
                        return;
                    }
                    if (!everReady && isTlsRefusal(cause)) {
                        // a certificate nobody vouches for will not change by retrying: fail start-up now
                        firstOutcome.completeExceptionally(cause);
                        return;
                    }
                    int attempt = wasConnected ? 0 : failures.getAndIncrement();
                    Duration delay = BACKOFF.delay(attempt);
                    if (wasConnected) {
                        LOG.warn("MQTT connection to {} lost ({}); reconnecting", endpoint(), rootMessage(cause));
                    } else if (attempt == 0 || Integer.bitCount(attempt) == 1) {
                        // 1st, 2nd, 4th, 8th … failure: a broker that stays away does not flood the log
                        LOG.warn(
                                "Cannot connect to the MQTT broker at {} ({}); retrying in {} ms (attempt {})",
                                endpoint(),
                                rootMessage(cause),
                                delay.toMillis(),
                                attempt + 1);
                    }
                    ctx.getReconnector().reconnect(true).delay(delay.toMillis(), TimeUnit.MILLISECONDS);
                    if (sessionless) {
                        ctx.getReconnector().reconnectWhen(stopHandingOver(), (ok, e) -> {});
                    }
                });
        this.client = builder.buildAsync();
    }

    /**
     * An MQTT 5 client for {@code settings}' broker, with its account and its TLS, as {@code clientId}: every
     * connection the product opens to its broker starts here.
     */
    static Mqtt5ClientBuilder builder(MqttSettings settings, String clientId) {
        MqttClientTransportConfigBuilder transport = MqttClientTransportConfig.builder()
                .serverHost(settings.host())
                .serverPort(settings.port())
                .socketConnectTimeout(CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .mqttConnectTimeout(CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (settings.tls() && settings.trust().isPresent()) {
            transport = transport
                    .sslConfig()
                    .trustManagerFactory(settings.trust().get())
                    .applySslConfig();
        } else if (settings.tls()) {
            transport = transport.sslWithDefaultConfig();
        }
        Mqtt5ClientBuilder b =
                MqttClient.builder().useMqttVersion5().identifier(clientId).transportConfig(transport.build());
        if (settings.username().isPresent()) {
            b = b.simpleAuth()
                    .username(settings.username().get())
                    .password(settings.password().orElse("").getBytes(StandardCharsets.UTF_8))
                    .applySimpleAuth();
        }
        return b;
    }

    /** Registers a handler before {@link #start}; messages queued in the persistent session reach it too. */
    public void subscribe(String filter, Consumer<Inbound> handler) {
        if (started) {
            throw new IllegalStateException("subscribe before start: " + filter);
        }
        subscriptions.add(new Subscription(filter, handler, false, false));
    }

    /**
     * Like {@link #subscribe}, for events such as chat inputs: a retained message on these topics (one a client
     * left on an external broker, which would be handed over again on every subscribe) is never given to
     * {@code handler}; it is cleared on the broker instead (an empty retained publish) and the log says so.
     */
    public void subscribeEvents(String filter, Consumer<Inbound> handler) {
        if (started) {
            throw new IllegalStateException("subscribe before start: " + filter);
        }
        subscriptions.add(new Subscription(filter, handler, true, false));
    }

    /**
     * Like {@link #subscribeEvents}, with {@code handler} called on the client's callback thread (see {@link
     * #dispatch}), in the order the broker delivered: it must never block (it hands the message to a thread of its
     * own). One thread hand-off less per message than the inbound thread (issue 13). What bounds the messages it takes
     * is the connection's window of unacknowledged QoS 1 messages ({@link InboundWindow}); QoS 0 ones ({@link
     * Inbound#atMostOnce()}) it must bound itself.
     */
    public void subscribeEventsOnEventLoop(String filter, Consumer<Inbound> handler) {
        if (started) {
            throw new IllegalStateException("subscribe before start: " + filter);
        }
        subscriptions.add(new Subscription(filter, handler, true, true));
    }

    /**
     * Like {@link #subscribe}, with {@code handler} called on the client's callback thread (see {@link #dispatch}), in
     * the order the broker delivered (it must never block), and retained messages handed over like any other: for
     * messages the service reads back, such as copies of its own outputs (decision 0037).
     */
    public void subscribeOnEventLoop(String filter, Consumer<Inbound> handler) {
        if (started) {
            throw new IllegalStateException("subscribe before start: " + filter);
        }
        subscriptions.add(new Subscription(filter, handler, false, true));
    }

    /** Runs once, on a thread of its own, when the connection is first up and every filter is subscribed. */
    public void onReady(Runnable action) {
        onReady.add(action);
    }

    /** Runs, on a thread of its own, each time the connection is up and subscribed again after a loss. */
    public void onResumed(Runnable action) {
        onResumed.add(action);
    }

    /**
     * Starts connecting and returns once the first attempt has an outcome or {@code firstAttempt} has passed; from
     * then on the connection is retried in the background until {@link #close()}.
     *
     * @param beforeFirstConnect runs before the first CONNECT and is retried like it while it throws an
     *     {@link MqttException} that says the broker is unreachable
     * @throws MqttException when the broker's TLS certificate is not trusted: retrying would not change that
     */
    public void start(Duration firstAttempt, Runnable beforeFirstConnect) {
        started = true;
        problem = "connecting to " + endpoint();
        // on the client's callback thread: each subscription's handler runs there or on the inbound thread (dispatch)
        client.publishes(MqttGlobalPublishFilter.ALL, this::dispatch, true);
        Thread.ofVirtual().name("mqtt-start-" + settings.clientId()).start(() -> {
            if (prepare(beforeFirstConnect)) {
                prepared = true;
                connectNow();
            }
        });
        long every = WATCHDOG_EVERY.toMillis();
        watchdog.scheduleWithFixedDelay(this::watch, every, every, TimeUnit.MILLISECONDS);
        try {
            firstOutcome.get(firstAttempt.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            LOG.warn("MQTT broker at {} not reached yet ({}); starting without it", endpoint(), problem);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            if (isTlsRefusal(e.getCause())) {
                throw new MqttException(
                        "cannot connect to the MQTT broker at " + endpoint() + " (" + rootMessage(e)
                                + "): check MQTT_BROKER, MQTT_PORT, MQTT_TLS and the credentials",
                        e.getCause());
            }
            LOG.warn("MQTT broker at {} not reached yet ({}); starting without it", endpoint(), problem);
        }
    }

    /** Runs {@code beforeFirstConnect} until it gets through; false when closing or the broker refuses TLS. */
    private boolean prepare(Runnable beforeFirstConnect) {
        for (int attempt = 0; !closing; attempt++) {
            try {
                chooseOutputQos();
                beforeFirstConnect.run();
                return true;
            } catch (MqttException e) {
                if (!e.unreachable()) {
                    return true;
                }
                problem = "cannot connect: " + rootMessage(e);
                if (isTlsRefusal(e)) {
                    firstOutcome.completeExceptionally(e);
                    return false;
                }
                if (attempt == 0) {
                    firstOutcome.completeExceptionally(e);
                }
                Duration delay = BACKOFF.delay(attempt);
                if (attempt == 0 || Integer.bitCount(attempt) == 1) {
                    LOG.warn(
                            "Cannot reach the MQTT broker at {} ({}); retrying in {} ms (attempt {})",
                            endpoint(),
                            rootMessage(e),
                            delay.toMillis(),
                            attempt + 1);
                }
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException ie) {
                    return false;
                }
            }
        }
        return false;
    }

    private volatile boolean outputQosChosen;

    /**
     * MQTT_OUTPUT_QOS=auto: reads the broker's retained {@value OutputQos#VERSION_TOPIC} on a short-lived connection of
     * its own and chooses the QoS of {@link #publishOnce} from it ({@link OutputQos}); once, before the first CONNECT.
     *
     * @throws MqttException when the broker cannot be reached (tried again like the connection)
     */
    private void chooseOutputQos() {
        if (settings.outputQos() != MqttSettings.OUTPUT_QOS_AUTO || outputQosChosen) {
            return;
        }
        Optional<String> version;
        try {
            version = Optional.ofNullable(RetainedReader.read(
                                    settings,
                                    settings.clientId() + "-version",
                                    List.of(OutputQos.VERSION_TOPIC),
                                    Duration.ofMillis(300),
                                    Duration.ofSeconds(5))
                            .get(OutputQos.VERSION_TOPIC))
                    .map(b -> new String(b, StandardCharsets.UTF_8));
        } catch (MqttException e) {
            if (e.unreachable()) {
                throw e;
            }
            version = Optional.empty(); // not shown to this account: not a Mosquitto that says it is too old
        }
        OutputQos.Choice choice = OutputQos.choose(version);
        onceQos = choice.qos() == 2 ? MqttQos.EXACTLY_ONCE : MqttQos.AT_LEAST_ONCE;
        outputQosChosen = true;
        LOG.info("Chat messages go out at QoS {} (MQTT_OUTPUT_QOS=auto: {})", choice.qos(), choice.why());
    }

    /** The QoS chat messages go out at: 1 or 2. */
    public int outputQos() {
        return onceQos == MqttQos.EXACTLY_ONCE ? 2 : 1;
    }

    /** Sends a CONNECT; its failures (and later losses) come back through the disconnected listener. */
    private void connectNow() {
        if (closing || !connecting.compareAndSet(false, true)) {
            return;
        }
        client.connectWith()
                .cleanStart(sessionless)
                .keepAlive(settings.keepAliveSeconds())
                .sessionExpiryInterval(settings.sessionExpirySeconds())
                .restrictions()
                .receiveMaximum(settings.receiveMaximum())
                .applyRestrictions()
                .send()
                .whenComplete((ack, e) -> {
                    connecting.set(false);
                    if (e != null && !closing) {
                        firstOutcome.completeExceptionally(e);
                    }
                });
    }

    /** On every CONNACK: subscribe every filter (again: the broker may have lost the session), then say so. */
    private void onConnected() {
        holdBackBeyondWindow();
        acknowledgeAtOnce();
        batchFlushes();
        connectionName = settings.clientId() + "/" + RUN + "/" + connections.incrementAndGet();
        connectedSince.set(OffsetDateTime.now());
        failures.set(0);
        problem = "subscribing";
        LOG.info("MQTT connected to {} as '{}'", endpoint(), settings.clientId());
        CompletableFuture<?> subscribed =
                subscriptions.isEmpty() ? CompletableFuture.completedFuture(null) : client.subscribe(subscribeAll());
        subscribed.whenComplete((ack, e) -> {
            if (e != null) {
                problem = "subscription refused: " + rootMessage(e);
                LOG.warn("MQTT subscription on {} refused ({}); retrying", endpoint(), rootMessage(e));
                return; // the watchdog subscribes again
            }
            markReady();
        });
    }

    /**
     * On the client's event loop, before anything after the CONNACK is read: the connection gets its own bound on
     * unacknowledged inputs ({@link InboundWindow}). HiveMQ's client does not expose its channel, so it is taken from
     * its connection state; if a later client version hides it, the connection works without the bound (and says so).
     */
    private void holdBackBeyondWindow() {
        holdBackBeyondWindow(client, window, endpoint());
    }

    /** Like {@link #holdBackBeyondWindow()}, for another client of the service (a drain, {@link SessionDrain}). */
    static void holdBackBeyondWindow(Mqtt5AsyncClient client, int window, String endpoint) {
        try {
            channel(client).ifPresent(channel -> InboundWindow.install(channel, window));
        } catch (RuntimeException | LinkageError e) {
            LOG.warn(
                    "No inbound window on {} ({}): a broker that overruns the Receive Maximum may disconnect it",
                    endpoint,
                    e.toString());
        }
    }

    /**
     * On the client's event loop, with {@link #holdBackBeyondWindow}: what the broker sends is acknowledged at the TCP
     * level within {@link QuickAcks#DELAY} of its read when the service writes nothing meanwhile, so a broker with
     * Nagle's algorithm on no longer holds its next packet for the service's delayed acknowledgement (40 ms)
     * (docs/decisions/0044-quick-tcp-acknowledgements.md).
     */
    private void acknowledgeAtOnce() {
        try {
            Optional<Channel> channel = channel();
            if (channel.isPresent() && !QuickAcks.install(channel.get()) && !quickAcksMissingTold) {
                quickAcksMissingTold = true;
                LOG.info(
                        "No TCP_QUICKACK on this system: a broker with Nagle's algorithm on ({}) may hold its packets"
                                + " for the service's delayed acknowledgements",
                        endpoint());
            }
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("No quick acknowledgements on {} ({})", endpoint(), e.toString());
        }
    }

    private volatile boolean quickAcksMissingTold;

    /** On the client's event loop, with {@link #acknowledgeAtOnce}: packets written together leave together. */
    private void batchFlushes() {
        try {
            channel().ifPresent(FlushBatching::install);
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("Every packet flushed on its own on {} ({})", endpoint(), e.toString());
        }
    }

    /** The client's Netty channel while connected (HiveMQ's client does not expose it: taken from its state). */
    Optional<Channel> channel() {
        return channel(client);
    }

    private static Optional<Channel> channel(Mqtt5AsyncClient client) {
        return client.getConfig()
                .getConnectionConfig()
                .map(c -> ((com.hivemq.client.internal.mqtt.MqttClientConnectionConfig) c).getChannel());
    }

    private void markReady() {
        if (ready || !client.getState().isConnected()) {
            return;
        }
        ready = true;
        problem = "";
        firstOutcome.complete(null);
        List<Runnable> actions = everReady ? List.copyOf(onResumed) : List.copyOf(onReady);
        everReady = true;
        Thread.ofVirtual()
                .name("mqtt-ready-" + settings.clientId())
                .start(() -> actions.forEach(a -> {
                    try {
                        a.run();
                    } catch (RuntimeException e) {
                        LOG.error("Start-up step after connecting to {} failed", endpoint(), e);
                    }
                }));
    }

    /**
     * Above the client's own reconnect: a connection that is neither up nor being retried (the client gave up, a
     * listener failed) is opened again, and a refused subscription is asked for again.
     */
    private void watch() {
        if (closing || !prepared) {
            return;
        }
        try {
            MqttClientState state = client.getState();
            if (state == MqttClientState.DISCONNECTED && !connecting.get()) {
                LOG.warn("MQTT connection to {} is down and not being retried; connecting again", endpoint());
                connectNow();
            } else if (state.isConnected() && !ready && !subscriptions.isEmpty()) {
                client.subscribe(subscribeAll()).whenComplete((ack, e) -> {
                    if (e == null) {
                        markReady();
                    }
                });
            }
        } catch (RuntimeException e) {
            LOG.warn("MQTT watchdog on {}: {}", endpoint(), e.toString());
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

    /**
     * On the client's callback thread (HiveMQ's application scheduler: RxJava's computation pool, fed in order from the
     * connection's event loop): hands each message to its subscription's handler, there or on the inbound thread. Run
     * on the event loop itself instead (an executor that runs in place), the chat path on Mosquitto measured no better
     * (issue 13, session 19: QoS 0 maximum -6 %, QoS 1 +7 %, one run each), so the client's default stays. Messages the
     * inbound thread has not taken yet are bounded by the window for QoS 1; QoS 0 ones beyond {@link
     * #INBOUND_QOS0_QUEUE} waiting are dropped, as an MQTT client that cannot keep up drops them.
     */
    private void dispatch(Mqtt5Publish publish) {
        String topic = publish.getTopic().toString();
        boolean atMostOnce = publish.getQos() == MqttQos.AT_MOST_ONCE;
        Inbound inbound = new Inbound(
                topic,
                publish.getPayloadAsBytes(),
                publish.getUserProperties().asList().stream()
                        .map(p -> (java.util.Map.Entry<String, String>) new AbstractMap.SimpleImmutableEntry<>(
                                p.getName().toString(), p.getValue().toString()))
                        .toList(),
                publish::acknowledge,
                connectionName,
                atMostOnce);
        for (Subscription s : subscriptions) {
            if (TopicFilter.matches(s.filter(), topic)) {
                if (s.eventsOnly() && publish.isRetain()) {
                    publish.acknowledge();
                    onInboundThread(true, () -> clearRetained(topic, inbound.payload().length));
                } else if (s.onEventLoop()) {
                    s.handler().accept(inbound);
                } else {
                    onInboundThread(atMostOnce, () -> s.handler().accept(inbound));
                }
                return;
            }
        }
        publish.acknowledge();
    }

    /** Runs {@code task} on the inbound thread; one for a QoS 0 message is dropped while too many wait. */
    private void onInboundThread(boolean atMostOnce, Runnable task) {
        if (atMostOnce && inboundQos0.incrementAndGet() > INBOUND_QOS0_QUEUE) {
            inboundQos0.decrementAndGet();
            if (!inboundDropping) {
                inboundDropping = true;
                LOG.warn("Inbound messages pile up: dropping QoS 0 ones while {} wait", INBOUND_QOS0_QUEUE);
            }
            return;
        }
        inboundDropping = false;
        try {
            inbound.execute(() -> {
                if (atMostOnce) {
                    inboundQos0.decrementAndGet();
                }
                task.run();
            });
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // stopping: the broker hands QoS 1 messages over again to the next session
        }
    }

    private void clearRetained(String topic, int length) {
        if (length == 0) {
            return; // already an empty (clearing) message
        }
        LOG.warn("Ignored and cleared a retained message on {}: inputs are never retained", topic);
        publish(topic, new byte[0], true).exceptionally(e -> {
            LOG.warn("Cannot clear the retained message on {}: {}", topic, rootMessage(e));
            return null;
        });
    }

    /**
     * Publishes with QoS 1. Blocks the caller (a virtual thread) only while {@value #MAX_IN_FLIGHT_PUBLISHES}
     * publishes are already waiting for the broker.
     */
    public CompletableFuture<Void> publish(String topic, byte[] payload, boolean retain) {
        return publish(topic, payload, retain, MqttQos.AT_LEAST_ONCE);
    }

    /**
     * Publishes a message its subscribers must get once, such as a chat message on {@code messages/out}: at
     * {@link MqttSettings#outputQos()}. At QoS 2 the broker routes it once even when it is sent again after a lost
     * acknowledgement (a broker restarted with its sessions, the connection cut): the client keeps its packet
     * identifier and state over a reconnect to the same session. Completes when the broker has it (PUBACK, or PUBCOMP
     * at QoS 2). Blocks like {@link #publish}.
     */
    public CompletableFuture<Void> publishOnce(String topic, byte[] payload) {
        return publish(topic, payload, false, onceQos);
    }

    private CompletableFuture<Void> publish(String topic, byte[] payload, boolean retain, MqttQos qos) {
        try {
            publishPermits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        // sent from the caller's thread: the client only queues the PUBLISH for its event loop, so a thread of our own
        // in between was one more hand-off per message (issue 13) and kept nothing in order that the caller does not
        send(topic, payload, retain, qos, done);
        return done;
    }

    private CompletableFuture<Mqtt5PublishResult> handToClient(
            String topic, byte[] payload, boolean retain, MqttQos qos) {
        return client.publishWith()
                .topic(topic)
                .qos(qos)
                .retain(retain)
                .payload(payload)
                .send();
    }

    private void send(String topic, byte[] payload, boolean retain, MqttQos qos, CompletableFuture<Void> done) {
        CompletableFuture<? extends Mqtt5PublishResult> sent;
        try {
            if (sessionless) {
                synchronized (handOver) { // the client only queues it: nothing here waits for the event loop
                    if (!handingOver) {
                        publishPermits.release();
                        done.completeExceptionally(new NotSent(endpoint()));
                        return;
                    }
                    sent = handToClient(topic, payload, retain, qos);
                    handedOver++;
                }
            } else {
                sent = handToClient(topic, payload, retain, qos);
            }
        } catch (RuntimeException e) {
            // the permit goes back on every path: a topic the client library refuses (U+0000, a lone surrogate)
            // throws before anything is sent, and 10,000 such throws would otherwise stop this connection publishing
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
            if (sessionless) {
                completedOne(); // after its caller heard of it: a failure is known before the next connection
            }
        });
    }

    /**
     * A connection without a session: from now until {@link #openPublishes()} publishes fail at once with
     * {@link NotSent}. Completes once every publish handed to the client before has completed (failed, when the
     * connection is lost): the next connection waits for that. On the event loop, in the disconnected listener.
     */
    private CompletableFuture<Void> stopHandingOver() {
        synchronized (handOver) {
            handingOver = false;
            if (handedOver == 0) {
                return CompletableFuture.completedFuture(null);
            }
            if (settled == null) {
                settled = new CompletableFuture<>();
            }
            return settled;
        }
    }

    private void completedOne() {
        CompletableFuture<Void> all;
        synchronized (handOver) {
            if (--handedOver > 0 || settled == null) {
                return;
            }
            all = settled;
            settled = null;
        }
        all.complete(null);
    }

    /**
     * A connection without a session, once connected: its publishes go to the broker from now on, until the connection
     * is lost. The caller first settles what failed before (decision 0046), so that nothing newer overtakes it.
     *
     * @return false when the connection is not up (publishes stay refused)
     */
    public boolean openPublishes() {
        synchronized (handOver) {
            if (!isConnected()) {
                return false;
            }
            handingOver = true;
            return true;
        }
    }

    /**
     * Whether {@code failure} of a publish says it never left the service: refused before it was handed to the client
     * ({@link NotSent}), or refused by the client while not connected. Any other failure of a publish on a connection
     * without a session may have reached the broker.
     */
    public static boolean neverSent(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof NotSent || t instanceof com.hivemq.client.mqtt.exceptions.MqttClientStateException) {
                return true;
            }
        }
        return false;
    }

    /** A publish on a connection without a session refused while it is down or not yet opened again. */
    public static final class NotSent extends RuntimeException {
        NotSent(String endpoint) {
            super("not sent: the connection to " + endpoint + " is down or settling what it lost", null, false, false);
        }
    }

    /**
     * The connection inputs come on now ({@link Inbound#connection()}), empty while there is none: an input that came
     * on another one cannot be acknowledged any more, and the broker hands it over again if it kept the session.
     */
    public String currentConnection() {
        return client.getState().isConnected() ? connectionName : "";
    }

    /** The keep-alive: how long a connection that died silently may go unnoticed is a small multiple of it. */
    public Duration keepAlive() {
        return Duration.ofSeconds(settings.keepAliveSeconds());
    }

    /** Connected and subscribed: inputs flow. */
    public boolean isConnected() {
        return ready && client.getState().isConnected();
    }

    /** Empty while connected and subscribed, else why not (connecting, refused, lost, and the broker's answer). */
    public Optional<String> problem() {
        return isConnected() ? Optional.empty() : Optional.of(problem.isEmpty() ? "not connected" : problem);
    }

    public Optional<OffsetDateTime> connectedSince() {
        return Optional.ofNullable(connectedSince.get());
    }

    /** The MQTT client id: names this instance. */
    public String clientId() {
        return settings.clientId();
    }

    public String endpoint() {
        return settings.host() + ":" + settings.port();
    }

    @Override
    public void close() {
        closing = true;
        watchdog.shutdownNow();
        firstOutcome.complete(null);
        try {
            if (client.getState().isConnectedOrReconnect()) {
                client.disconnect().get(5, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            LOG.warn("MQTT disconnect did not complete: {}", rootMessage(e));
        }
        inbound.shutdownNow();
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
