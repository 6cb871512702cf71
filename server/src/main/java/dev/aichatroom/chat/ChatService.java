package dev.aichatroom.chat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aichatroom.chat.Notifications.ErrorReply;
import dev.aichatroom.chat.Notifications.OnlineList;
import dev.aichatroom.chat.Notifications.OnlineUser;
import dev.aichatroom.chat.Notifications.ReplyDelta;
import dev.aichatroom.chat.Notifications.SystemMessage;
import dev.aichatroom.chat.Rejection.Code;
import dev.aichatroom.mqtt.Inbound;
import dev.aichatroom.mqtt.Json;
import dev.aichatroom.mqtt.MqttConnection;
import dev.aichatroom.store.MessageStore;
import dev.aichatroom.store.StoreException;
import dev.aichatroom.store.StoredMessage;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chat room service (PROTOCOL.md §1): consumes every room's inputs, validates them, keeps members, stores
 * history and publishes each accepted message once on its room's {@code messages/out}. All room state is changed on
 * one worker thread; MQTT callbacks only enqueue.
 */
public final class ChatService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ChatService.class);
    /** Room state and inputs are handled in order on one thread; this bounds its queue. */
    static final int WORKER_QUEUE = 20_000;

    static final int MAX_ACTIVE_ROOMS = 100;
    /** A member list names at most this many members; {@code count} says how many there are. */
    static final int ONLINE_LIST_MAX = 100;
    /** A room's member list is published at most once per this interval, its latest state always. */
    static final long ONLINE_INTERVAL_MILLIS = 500;

    static final int JOINS_PER_MINUTE = 30;
    static final int JOIN_BURST = 10;
    private static final long LIMIT_REPLY_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    /**
     * With members in the store, how often each instance republishes the lists that changed: a broker cluster keeps
     * retained messages per node, so a list published on one node reaches the others' retained copies this way.
     */
    public static final java.time.Duration MEMBER_LIST_REFRESH = java.time.Duration.ofSeconds(5);
    /** Every this many refreshes, every room with members is republished (a node that lost its retained messages). */
    static final int FULL_REFRESH_EVERY = 60;

    /**
     * How long a member whose connection was lost stays listed: a page that reloads connects again with the same
     * client id and joins within this time, and the room sees neither a leave nor a join (docs/decisions/0011).
     */
    static final java.time.Duration REJOIN_GRACE = java.time.Duration.ofSeconds(5);

    /** Typing events a client may publish a minute (the page sends one every few seconds while typing). */
    static final int TYPING_PER_MINUTE = 30;

    /** How an input waits for a failing store: 100 ms doubling up to 5 s. */
    /** How long the start waits for the witness's own connection before it drains without it. */
    private static final Duration WITNESS_CONNECTION_WAIT = Duration.ofSeconds(15);

    private static final Outbox.Backoff STORE_RETRY =
            new Outbox.Backoff(java.time.Duration.ofMillis(100), java.time.Duration.ofSeconds(5));

    private final ChatConfig config;
    private final Topics topics;
    private final MqttConnection mqtt;
    private final MessageStore store;
    private final Clock clock;
    private final Notices notices;
    private final RateLimiter rateLimiter;
    /** Joins per MQTT connection (a join can make a room, and every room costs the broker an address). */
    private final RateLimiter joinLimiter = new RateLimiter(JOINS_PER_MINUTE, JOIN_BURST);
    /** When each connection last heard RATE_LIMITED: one reply per second, however fast it floods. */
    private final Map<String, Long> lastLimitReply = new ConcurrentHashMap<>();
    /** Rooms whose member list changed since it was last published. */
    private final Set<String> onlineChanged = ConcurrentHashMap.newKeySet();

    private final java.util.concurrent.ScheduledExecutorService onlineTicker =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().daemon(true).name("chat-online").factory());

    private final RateLimiter typingLimiter = new RateLimiter(TYPING_PER_MINUTE, 5);
    private final Worker worker;
    private final Members members;
    private final List<String> inputFilters;
    private final List<RoomListener> listeners = new CopyOnWriteArrayList<>();
    /** Rooms that had input since the start, for {@code /mqtt/status}; bounded, as anyone may name a new room. */
    private final Set<String> activeRooms = ConcurrentHashMap.newKeySet();

    /** MQTT client ids connected right now, as the embedded broker reports them. */
    private final java.util.Set<String> liveConnections = ConcurrentHashMap.newKeySet();

    /** Leaves waiting out {@link #REJOIN_GRACE}, by room and client id; touched on the worker thread only. */
    private final Map<String, java.util.concurrent.ScheduledFuture<?>> pendingLeaves = new java.util.HashMap<>();

    /** Says, in the store, that this instance is alive, and takes over what dead instances left unpublished. */
    private final java.util.concurrent.ScheduledExecutorService lease =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                    Thread.ofVirtual().name("chat-outbox-lease").factory());

    private volatile boolean leaseFailing;

    /** A drained session counts as empty once nothing has come for this long with nothing unacknowledged. */
    private static final Duration DRAIN_QUIET = Duration.ofSeconds(1);
    /** The broker's settings for a drain, on an external broker with a shared group; empty: no drains. */
    private volatile Optional<dev.aichatroom.mqtt.MqttSettings> drainSettings = Optional.empty();
    /**
     * Drain connections that ended before the drain did (the instance came back, the connection was lost): their inputs
     * not stored yet are left to the broker, which hands them to the session's next holder.
     */
    private final Set<String> goneDrains = ConcurrentHashMap.newKeySet();
    /**
     * Running drains' connections → the dead instance's session generation read before connecting as it: a drained
     * input without a key is stored only while that instance has not taken its session back (decision 0047).
     */
    private final Map<String, MessageStore.Fence> drainFences = new ConcurrentHashMap<>();
    /** The main connection of the last input without a key from one (worker thread only). */
    private String lastMainConnection = "";
    /** A drain is running (one at a time, off the lease thread). */
    private final java.util.concurrent.atomic.AtomicBoolean draining = new java.util.concurrent.atomic.AtomicBoolean();

    private final java.util.concurrent.ScheduledExecutorService graceTimer =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                    Thread.ofVirtual().name("chat-grace").factory());

    private final AtomicLong received = new AtomicLong();
    /** Of those, inputs the embedded broker handed over in-process (decision 0050). */
    private final AtomicLong taken = new AtomicLong();
    /** QoS 0 inputs dropped because too many waited (the connection's callback thread only writes these two). */
    private final AtomicLong dropped = new AtomicLong();

    private boolean dropping;
    private final io.micrometer.core.instrument.Counter published;
    private final AtomicLong sent = new AtomicLong();
    private final MeterRegistry meters;
    private final Timer processing;
    /** Messages stored per transaction (group commit): how much each commit is shared. */
    private final io.micrometer.core.instrument.DistributionSummary batches;

    private final Outbox outbox;
    /** Names this instance's rows in the outbox: its MQTT client id. */
    private final String instance;
    /** Messages are stored unpublished and marked once the broker has them (off without a broker). */
    private volatile boolean outboxOn = true;
    /** The broker's copies of this instance's outputs, on an external broker (decision 0037). */
    private volatile Optional<OutputWitness> witness = Optional.empty();
    /** Completed once the witness's own connection is up and subscribed. */
    private final CompletableFuture<Void> witnessReady = new CompletableFuture<>();
    /**
     * The connection chat messages go out on when it is not the main one: without a session, so that a loss sends
     * nothing again; the witness settles what it lost (decision 0046).
     */
    private volatile Optional<MqttConnection> outputs = Optional.empty();

    /**
     * Publishes a chat message without an MQTT connection: the embedded broker routes it in this process (decision
     * 0052). Completes once the broker has it, as a PUBACK would say; fails if it could not take it.
     */
    public interface LocalRoute {
        CompletableFuture<Void> publish(String topic, byte[] payload);

        /** Runs {@code publishes}: what it publishes on this thread is routed together (one broker transaction). */
        default void together(Runnable publishes) {
            publishes.run();
        }
    }

    /** The embedded broker's own route for chat messages; null: they go out on the MQTT connection. */
    private volatile LocalRoute localRoute;

    private final AtomicLong routedLocally = new AtomicLong();
    /** What failed on {@link #outputs} is being settled through the witness; worker thread only. */
    private boolean settling;
    /**
     * The failed outputs being settled whose copies have not come yet: whoever takes one out marks it published (the
     * witness as its copy comes, or the worker once the marker is back).
     */
    private final Map<String, Outbox.Pending> unsettled = new ConcurrentHashMap<>();
    /**
     * How long one marker of a settling may take to come back before another is published: a marker published while the
     * witness's own connection was being opened again was seen not to come back at all (fault bench `reset`).
     */
    static final Duration SETTLE_LIMIT = Duration.ofSeconds(3);
    /** Markers a settling tries before it publishes everything it could not tell (as before decision 0046). */
    static final int SETTLE_ATTEMPTS = 10;

    /**
     * Hashes of inputs without a key that may be redelivered (in the ledger at start, or unacknowledged when a
     * connection was lost): only these are looked up in the ledger.
     */
    private final Set<String> suspects = ConcurrentHashMap.newKeySet();
    /** Inputs without a key stored and not yet acknowledged: message id → input hash. */
    private final Map<String, String> unacknowledged = new ConcurrentHashMap<>();
    /** The connection of the last input without a key the worker took (worker thread only). */
    private String lastConnection = "";

    /**
     * A message input checked and waiting for the batch's one transaction (group commit), with what to do once it is
     * stored. Worker thread only.
     */
    private record Staged(
            ChatMessage message,
            MessageStore.Unpublished row,
            Inbound inbound,
            long arrived,
            Optional<String> dedupeKey) {}

    private final List<Staged> staged = new ArrayList<>();

    private volatile boolean closing;
    private volatile String lastMessageTime;
    private volatile boolean running;
    /** Refreshes of the member lists so far; chat worker thread only. */
    private long refreshes;
    /** Whether the connection was down at a refresh (the node may be another now): then republish every list. */
    private volatile boolean refreshMissed = true;

    private volatile boolean refreshFailing;

    public ChatService(ChatConfig config, MqttConnection mqtt, MessageStore store, MeterRegistry meters, Clock clock) {
        this.config = config;
        this.topics = new Topics(config.defaultRoom());
        this.mqtt = mqtt;
        this.store = store;
        this.clock = clock;
        this.meters = meters;
        this.notices = Notices.of(config.language());
        this.members = config.sharedGroup().isPresent() ? new SharedMembers(store.members()) : new LocalMembers();
        this.rateLimiter = new RateLimiter(config.ratePerMinute(), config.rateBurst());
        this.worker = new Worker("chat-worker", WORKER_QUEUE, this::flushStaged);
        this.instance = mqtt.clientId();
        this.outbox = new Outbox(
                store,
                () -> outputs.orElse(mqtt).isConnected(),
                mqtt::currentConnection,
                mqtt.keepAlive().multipliedBy(3),
                suspects::add,
                () -> submit(this::republishFailed),
                () -> submit(this::forgetStaleLedger),
                worker::offerWhenQuiet,
                ids -> witness.ifPresent(w -> w.marked(ids)));
        this.processing = Timer.builder("chat.message.processing")
                .description("Time from an input's arrival to its publication on messages/out")
                .register(meters);
        this.batches = io.micrometer.core.instrument.DistributionSummary.builder("chat.store.batch")
                .description("Messages stored together in one transaction of the message store (group commit)")
                .baseUnit("messages")
                .register(meters);
        io.micrometer.core.instrument.FunctionCounter.builder("chat.inputs.received", received, AtomicLong::get)
                .register(meters);
        io.micrometer.core.instrument.FunctionCounter.builder("chat.inputs.taken", taken, AtomicLong::get)
                .description("Inputs the embedded broker handed over in-process instead of routing them (0050)")
                .register(meters);
        io.micrometer.core.instrument.FunctionCounter.builder("chat.inputs.dropped", dropped, AtomicLong::get)
                .description("QoS 0 inputs dropped because the chat service was too far behind")
                .register(meters);
        this.published = meters.counter("chat.messages.out");
        io.micrometer.core.instrument.FunctionCounter.builder("chat.outputs.local", routedLocally, AtomicLong::get)
                .description("Chat messages the embedded broker routed in this process instead of receiving them on the"
                        + " service's MQTT connection (0052)")
                .register(meters);
        meters.gauge(
                "chat.members",
                members,
                m -> m.byRoom().values().stream().mapToInt(List::size).sum());
        // with a shared group, each input reaches one instance of the group (MQTT 5 shared subscription)
        this.inputFilters = java.util.Arrays.stream(Topics.inputFilters())
                .map(f -> config.sharedGroup().map(g -> "$share/" + g + "/" + f).orElse(f))
                .toList();
        for (String filter : inputFilters) {
            mqtt.subscribeEventsOnEventLoop(filter, this::onInbound);
        }
        onlineTicker.scheduleWithFixedDelay(
                () -> {
                    if (!onlineChanged.isEmpty()) {
                        submit(this::publishChangedLists);
                    }
                },
                ONLINE_INTERVAL_MILLIS,
                ONLINE_INTERVAL_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    public Topics topics() {
        return topics;
    }

    public ChatConfig config() {
        return config;
    }

    public void addListener(RoomListener listener) {
        listeners.add(listener);
    }

    /**
     * One instance on an external broker, before {@link #start()}: takes back the members the broker still lists
     * (the retained member lists this service published before it restarted), so devices that stayed connected
     * through the restart stay members. They are bound to no connection (an external broker does not say) and their
     * idle time counts from now. Lists that are not well-formed, or not on their room's topic, are skipped.
     *
     * @param retainedLists topic → payload of the retained {@code …/users/online} messages
     * @return how many members came back
     */
    public int restoreMembers(Map<String, byte[]> retainedLists) {
        if (!(members instanceof LocalMembers local)) {
            return 0; // shared members live in the store already
        }
        int restored = 0;
        long now = clock.millis();
        for (Map.Entry<String, byte[]> list : retainedLists.entrySet()) {
            Optional<JsonNode> tree = Json.tree(list.getValue());
            String room = tree.map(t -> t.path("room").asText("")).orElse("");
            if (!Topics.isValidRoom(room) || !topics.online(room).equals(list.getKey())) {
                continue;
            }
            for (JsonNode user : tree.get().path("users")) {
                String clientId = user.path("client_id").asText("");
                if (clientId.isBlank() || clientId.length() > config.maxClientIdChars()) {
                    continue;
                }
                local.restore(
                        room,
                        new Member(
                                clientId,
                                user.path("username").asText(clientId),
                                user.path("source").asText("mqtt"),
                                user.path("join_time").asText(Clocks.timestamp(clock)),
                                0,
                                Optional.empty(),
                                now));
                restored++;
            }
        }
        return restored;
    }

    /**
     * Before the connections start (an external broker): the service reads back its own outputs, on a connection and
     * persistent session of their own ({@code witnessConnection}, so that the copies' held acknowledgements never
     * travel in front of the main connection's), and after a crash publishes again only what the broker had not taken
     * (docs/decisions/0037-output-witness.md; its own connection: 0040).
     */
    public void confirmOutputsThroughBroker(MqttConnection witnessConnection) {
        witnessConnection.onReady(() -> witnessReady.complete(null));
        // long enough for a takeover of the instance whose copies these were (decision 0040)
        witness = Optional.of(new OutputWitness(witnessConnection, instance, rememberCopies(config.instanceTimeout())));
    }

    /**
     * Several instances on an external broker ({@code CHAT_SHARED_GROUP}), before {@link #start()}: an instance not
     * alive for {@code CHAT_INSTANCE_TIMEOUT} has its broker session drained by a live one, which connects once as its
     * client id, handles the inputs the broker had queued for it as its own and ends the session, and its output
     * witness's (decision 0043).
     *
     * @param settings the main connection's broker, account and session settings; the client id is replaced
     */
    public void drainDeadSessions(dev.aichatroom.mqtt.MqttSettings settings) {
        drainSettings = Optional.of(settings);
    }

    /**
     * With the witness, before the connections start: chat messages go out on {@code outputsConnection}, a connection
     * without a session, so a lost connection sends nothing again; once the next one is up, the witness says which of
     * the outputs that failed there the broker had routed, those are marked published, and only the others are
     * published again, before anything newer (docs/decisions/0046-outputs-on-a-connection-without-a-session.md).
     */
    public void publishOutputsOn(MqttConnection outputsConnection) {
        if (witness.isEmpty()) {
            throw new IllegalStateException("a connection of the outputs' own needs the output witness");
        }
        outputs = Optional.of(outputsConnection);
        outputsConnection.onReady(this::outputsUp);
        outputsConnection.onResumed(this::outputsUp);
    }

    /**
     * With the embedded broker, before the service starts: chat messages are routed by the broker in this process
     * instead of being published on the MQTT connection (docs/decisions/0052-outputs-routed-in-process.md).
     */
    public void publishOutputsThrough(LocalRoute route) {
        if (outputs.isPresent()) {
            throw new IllegalStateException("chat messages already go out on a connection of their own");
        }
        localRoute = route;
    }

    /** The outputs' own connection is up (again): what failed on it is settled, then it takes outputs. */
    private void outputsUp() {
        submit(this::republishFailed);
    }

    /**
     * How long the ids of other instances' copies are kept at least: a dead instance's messages are taken over at most
     * {@code CHAT_INSTANCE_TIMEOUT} plus one lease period ({@code / 5}) after its last heartbeat; twice the timeout
     * (at least 10 s) leaves room for a slow store or a late takeover.
     */
    static Duration rememberCopies(Duration instanceTimeout) {
        Duration twice = instanceTimeout.multipliedBy(2);
        return twice.compareTo(Duration.ofSeconds(10)) < 0 ? Duration.ofSeconds(10) : twice;
    }

    /** Announces the service once the MQTT connection is up: a system notice and fresh member lists. */
    public void start() {
        witness.ifPresent(w -> {
            // before decision 0040 (amendment) the main session subscribed to the copies itself: it takes none any more
            List<String> old = new ArrayList<>(Topics.outFilters());
            old.add(w.markerTopic());
            mqtt.unsubscribe(old).exceptionally(e -> null);
        });
        recover();
        running = true;
        worker.open();
        long every = Math.max(500, config.instanceTimeout().toMillis() / 5);
        lease.scheduleWithFixedDelay(this::keepLease, every, every, TimeUnit.MILLISECONDS);
        submit(() -> {
            publishSystem(config.defaultRoom(), notices.connected());
            List<String> known = new ArrayList<>(store.rooms());
            if (!known.contains(config.defaultRoom())) {
                known.add(config.defaultRoom());
            }
            members.byRoom().keySet().stream().filter(r -> !known.contains(r)).forEach(known::add);
            known.stream()
                    .filter(Topics::isValidRoom)
                    .forEach(room -> members.announce(room, (before, list) -> onlineChanged(room)));
        });
    }

    /**
     * Before the first input: publishes again, in order, what this instance stored and had not yet seen the broker
     * take when it last stopped (a crash, a kill), so it is on {@code messages/out} once.
     */
    private void recover() {
        for (int attempt = 0; !closing; attempt++) {
            try {
                suspects.addAll(store.ledgerHashes());
                // first say this instance is alive: waits while another instance is taking its messages over
                store.heartbeat(instance);
                List<StoredMessage> left = store.unpublished(instance);
                if (witness.isPresent()) {
                    awaitWitnessConnection();
                    // the copies the broker still holds show which of them it had taken: marked, not sent again
                    Set<String> shown = witness.get()
                            .drain(
                                    left.stream()
                                            .map(StoredMessage::messageId)
                                            .collect(java.util.stream.Collectors.toSet()),
                                    this::markShown,
                                    worker::open);
                    left = left.stream()
                            .filter(s -> !shown.contains(s.messageId()))
                            .toList();
                }
                if (!left.isEmpty()) {
                    // the broker may have taken some before the crash: the embedded broker drops those (0041); an
                    // external one routes them again, same message_id (0033)
                    LOG.info(
                            "Publishing {} stored message(s) not marked published before the last stop (the embedded"
                                    + " broker drops any it had already taken; an external broker routes those again,"
                                    + " with the same message_id)",
                            left.size());
                }
                // their inputs' ledger entries stay: those inputs come again and are recognised then
                left.forEach(s -> publishStored(message(s), () -> {}, Optional.empty()));
                return;
            } catch (StoreException e) {
                if (attempt == 0) {
                    LOG.warn("Waiting for the message store to publish what is left from before: {}", e.getMessage());
                }
                try {
                    Thread.sleep(STORE_RETRY.delay(attempt));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * Before the drain: the witness's connection comes up next to the main one; without it the drain cannot read the
     * copies (its marker cannot be published) and everything unmarked is published again, as its log then says.
     */
    private void awaitWitnessConnection() {
        try {
            witnessReady.get(WITNESS_CONNECTION_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            LOG.warn(
                    "The output witness's connection ('{}-witness') is not up after {} s: going on without it",
                    instance,
                    WITNESS_CONNECTION_WAIT.toSeconds());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Marks published what the broker showed it had taken, trying again while the store fails; false when stopping
     * first.
     */
    private boolean markShown(List<String> messageIds) {
        for (int attempt = 0; !closing; attempt++) {
            try {
                store.markPublished(
                        messageIds, List.of()); // their inputs' ledger entries stay: those inputs come again
                return true;
            } catch (StoreException e) {
                if (attempt == 0) {
                    LOG.warn("Cannot mark {} message(s) published yet: {}", messageIds.size(), e.getMessage());
                }
                if (!backOff(attempt)) {
                    return false;
                }
            }
        }
        return false;
    }

    /**
     * Every {@code CHAT_INSTANCE_TIMEOUT / 5}: records that this instance is alive, then, while connected, publishes the
     * messages of instances not alive for {@code CHAT_INSTANCE_TIMEOUT} that they stored and had not published (killed
     * between storing and publishing, and not started again). Their inputs' ledger entries stay: a redelivery to a
     * restarted instance is still recognised.
     */
    private void keepLease() {
        if (!outboxOn || closing) {
            return;
        }
        try {
            store.heartbeat(instance);
            if (mqtt.isConnected()) {
                for (MessageStore.Takeover t : store.takeOver(instance, config.instanceTimeout())) {
                    takeOver(t);
                }
                claimDrains();
            }
            if (leaseFailing) {
                leaseFailing = false;
                LOG.info("Outbox lease recorded again");
            }
        } catch (StoreException e) {
            if (!leaseFailing) {
                leaseFailing = true;
                LOG.warn("Cannot record this instance as alive in the store: {}", e.getMessage());
            }
        }
    }

    /** On the lease thread: claims the sessions of dead instances and drains them one by one on a thread of their own. */
    private void claimDrains() {
        if (drainSettings.isEmpty() || !running || !draining.compareAndSet(false, true)) {
            return;
        }
        List<String> dead;
        try {
            dead = store.claimDrains(instance, config.instanceTimeout(), config.drainClaim());
        } catch (StoreException e) {
            draining.set(false);
            throw e;
        }
        if (dead.isEmpty()) {
            draining.set(false);
            return;
        }
        Thread.ofVirtual().name("chat-drain").start(() -> {
            try {
                dead.forEach(d -> drain(drainSettings.get(), d));
            } finally {
                draining.set(false);
            }
        });
    }

    /**
     * Connects as {@code dead} (an instance not alive for {@code CHAT_INSTANCE_TIMEOUT}), takes every input the broker
     * had queued in its session as if it had come on this instance's own connection (stored, published, acknowledged
     * once marked), ends that session and its witness's, and forgets the instance (decision 0043).
     */
    private void drain(dev.aichatroom.mqtt.MqttSettings settings, String dead) {
        if (closing) {
            return;
        }
        long started = System.nanoTime();
        // named after this instance (its ledger entries are its own) and unique: forgotten as a whole once drained
        String connection = instance + "/drain/" + dead + "/" + java.util.UUID.randomUUID();
        List<String> own = List.of(Topics.inputFilters());
        try {
            // a drain another instance began and did not end left its stored inputs in the ledger: they come again
            suspects.addAll(store.ledgerHashes());
            // read before connecting as it: once it has connected since, nothing more of the drain is stored (0047)
            drainFences.put(connection, new MessageStore.Fence(dead, store.sessionGeneration(dead)));
        } catch (StoreException e) {
            LOG.warn("Cannot drain the broker session of instance '{}' yet: {}", dead, e.getMessage());
            return;
        }
        dev.aichatroom.mqtt.SessionDrain.Result result = dev.aichatroom.mqtt.SessionDrain.drain(
                settings.forConnection(dead),
                connection,
                inputFilters,
                topic -> own.stream().anyMatch(f -> dev.aichatroom.mqtt.TopicFilter.matches(f, topic)),
                this::onInbound,
                DRAIN_QUIET,
                config.drainLimit(),
                () -> closing,
                () -> goneDrains.add(connection));
        // on the worker, after whatever of the drain is still staged there has been stored or left
        submit(() -> {
            flushStaged();
            drainFences.remove(connection);
            goneDrains.remove(connection); // the connection is closed: nothing more comes on it
        });
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        switch (result.outcome()) {
            case ENDED, NO_SESSION -> {
                Optional<String> witnessLeft =
                        dev.aichatroom.mqtt.SessionDrain.discard(settings.forConnection(dead + "-witness"));
                try {
                    store.forgetLedgerBefore(Long.MAX_VALUE, connection); // the session is gone: nothing comes again
                    store.drained(dead, config.instanceTimeout());
                } catch (StoreException e) {
                    LOG.debug("Drained instance '{}' not forgotten yet: {}", dead, e.getMessage());
                }
                LOG.info(
                        "Instance '{}' not alive for {} s: {} ({} ms){}",
                        dead,
                        config.instanceTimeout().toSeconds(),
                        result.outcome() == dev.aichatroom.mqtt.SessionDrain.Outcome.NO_SESSION
                                ? "the broker kept no session for it"
                                : "drained its broker session, " + result.handled() + " input(s) handled here, "
                                        + result.skipped() + " other message(s) dropped, and ended it",
                        millis,
                        witnessLeft
                                .map(w -> "; its witness session ('" + dead + "-witness') not ended: " + w)
                                .orElse(""));
            }
            case TAKEN_BACK ->
                LOG.warn(
                        "Instance '{}' connected again while its broker session was drained ({} input(s) handled"
                                + " here, {} ms): the rest of the session is its own again",
                        dead,
                        result.handled(),
                        millis);
            case FAILED ->
                LOG.warn(
                        "Cannot drain the broker session of instance '{}', not alive for {} s ({}; {} input(s) handled"
                                + " here): the inputs the broker queued for it wait there; trying again in {} s",
                        dead,
                        config.instanceTimeout().toSeconds(),
                        result.why(),
                        result.handled(),
                        config.drainClaim().toSeconds());
        }
    }

    /**
     * Publishes what a dead instance left not marked published. With the output witness, those whose copies this
     * instance received had been routed by the broker: they are marked published and not sent again (decision 0040).
     */
    private void takeOver(MessageStore.Takeover t) {
        if (witness.isEmpty()) {
            LOG.info(
                    "Publishing {} message(s) that instance '{}' stored and had not published before it stopped",
                    t.messages().size(),
                    t.from());
            submit(() -> t.messages().forEach(m -> publishStored(message(m), () -> {}, Optional.empty())));
            return;
        }
        long started = System.nanoTime();
        List<String> ids = t.messages().stream().map(StoredMessage::messageId).toList();
        witness.get()
                .shownOf(ids, OutputWitness.TAKEOVER_LIMIT)
                .whenComplete((shown, e) -> submit(() -> publishTakenOver(
                        t,
                        e == null ? shown : Set.of(),
                        e == null ? Optional.empty() : Optional.of(e),
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started))));
    }

    /** On the worker: marks what the broker showed it had taken, then publishes the rest in the order stored. */
    private void publishTakenOver(
            MessageStore.Takeover t, Set<String> shown, Optional<Throwable> failure, long millis) {
        if (failure.isPresent()) {
            Throwable cause =
                    failure.get() instanceof java.util.concurrent.CompletionException c && c.getCause() != null
                            ? c.getCause()
                            : failure.get();
            LOG.warn(
                    "Could not tell which of the {} message(s) instance '{}' left not marked published the broker had"
                            + " taken ({} after {} ms): publishing them all; those it had taken come out twice",
                    t.messages().size(),
                    t.from(),
                    cause instanceof java.util.concurrent.TimeoutException ? "its marker did not come back" : cause,
                    millis);
        }
        if (!shown.isEmpty() && !markShown(List.copyOf(shown))) {
            return; // stopping: they stay this instance's, not marked, for its next start
        }
        List<StoredMessage> rest = t.messages().stream()
                .filter(m -> !shown.contains(m.messageId()))
                .toList();
        LOG.info(
                "Instance '{}' stopped leaving {} message(s) not marked published: the broker's copies showed {} had"
                        + " gone out (marked published, not sent again; {} ms); publishing the other {}",
                t.from(),
                t.messages().size(),
                shown.size(),
                millis,
                rest.size());
        rest.forEach(m -> publishStored(message(m), () -> {}, Optional.empty()));
    }

    /**
     * The connection is up again after a loss: what failed to publish meanwhile goes out now, and the inputs without a
     * key that were not acknowledged on the lost connection may come again.
     */
    public void resumed() {
        suspects.addAll(unacknowledged.values());
        submit(this::republishFailed);
    }

    /** Without a broker (MQTT_ENABLE=false): messages are stored as published, nothing waits for a connection. */
    public void runWithoutBroker() {
        outboxOn = false;
        worker.open();
    }

    /**
     * On the MQTT client's callback thread: hands the input to the worker without waiting. What the broker resends
     * (QoS 1) is bounded by the connection's window; a QoS 0 input that finds {@link #WORKER_QUEUE} others waiting is
     * dropped, as an MQTT client that cannot keep up drops them.
     */
    private void onInbound(Inbound inbound) {
        offerInbound(inbound);
    }

    /** @return false when the service is stopping (the input is left to the broker); true when queued or dropped */
    private boolean offerInbound(Inbound inbound) {
        received.incrementAndGet();
        long arrived = System.nanoTime();
        if (worker.offerInput(() -> handle(inbound, arrived), inbound.atMostOnce())) {
            if (dropping) {
                dropping = false;
                LOG.info("Chat inputs are taken again after {} QoS 0 input(s) were dropped", dropped.get());
            }
            return true;
        } else if (closing || !inbound.atMostOnce()) {
            LOG.debug("Chat service stopping; input on {} left to the broker", inbound.topic());
            return false;
        } else {
            dropped.incrementAndGet();
            if (!dropping) {
                dropping = true;
                LOG.warn("Chat service overloaded: dropping QoS 0 inputs while {} wait", WORKER_QUEUE);
            }
            if (inProcess(inbound)) {
                inbound.acknowledge(); // dropped: nothing waits for it
            }
            return true;
        }
    }

    /** What {@link Inbound#connection()} says of an input the embedded broker handed over in-process (decision 0050). */
    static final String TAKEN = "embedded-broker";

    /** Whether the embedded broker handed this input over in-process (decision 0050) rather than delivered it. */
    private static boolean inProcess(Inbound inbound) {
        return TAKEN.equals(inbound.connection());
    }

    /** Inputs taken in-process and not stored (or otherwise settled) yet. */
    private final java.util.concurrent.atomic.AtomicLong takenWaiting = new java.util.concurrent.atomic.AtomicLong();

    /**
     * Whether the embedded broker may hand chat inputs straight to this service instead of routing them to its input
     * subscription (decision 0050): while it runs and is not stopping.
     */
    public boolean takesInputs() {
        return running && !closing;
    }

    /** Inputs the embedded broker handed over in-process that are not stored yet (its back-pressure counts them). */
    public long takenInputsWaiting() {
        return takenWaiting.get();
    }

    /**
     * An input the embedded broker accepted and routed to no subscription (on a broker thread; never blocks): handled
     * like one delivered on the service's connection, except that it is settled, which lets the broker acknowledge it
     * to its sender, once it is stored (or handled, for what is not stored) instead of once it is published and marked:
     * from then on the outbox, not the broker, holds it (decision 0050).
     *
     * @param settle lets the broker acknowledge it; run at most once here
     * @return false when the service is stopping: the broker then does not acknowledge it
     */
    public boolean takeInput(String topic, byte[] payload, String senderClientId, boolean atMostOnce, Runnable settle) {
        taken.incrementAndGet();
        takenWaiting.incrementAndGet();
        java.util.concurrent.atomic.AtomicBoolean settled = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable once = () -> {
            if (settled.compareAndSet(false, true)) {
                takenWaiting.decrementAndGet();
                settle.run();
            }
        };
        Inbound inbound = new Inbound(
                topic,
                payload,
                List.of(Map.entry(dev.aichatroom.broker.PublishInspector.SENDER_CLIENT_ID, senderClientId)),
                once,
                TAKEN,
                atMostOnce);
        if (!offerInbound(inbound)) {
            settled.set(true);
            takenWaiting.decrementAndGet();
            return false;
        }
        return true;
    }

    private boolean submit(Runnable task) {
        return worker.offer(task);
    }

    private void handle(Inbound inbound, long arrived) {
        Optional<Topics.Parsed> parsed = topics.parse(inbound.topic());
        if (parsed.isEmpty()) {
            inbound.acknowledge();
            return;
        }
        String room = parsed.get().room();
        if (activeRooms.size() < MAX_ACTIVE_ROOMS && Topics.isValidRoom(room)) {
            activeRooms.add(room);
        }
        Optional<String> sender = inbound.lastUserProperty("x-sender-client-id");
        Inputs.Result result = Inputs.parse(parsed.get().input(), inbound.payload(), config);
        if (!Topics.isValidRoom(room) && !(result instanceof Inputs.Refused)) {
            result = new Inputs.Refused(
                    Rejection.of(Code.INVALID_ROOM, Topics.ROOM_RULE).about(inputId(result)), sender);
        }
        switch (result) {
            case Inputs.Refused r -> refuse(r.rejection(), r.replyTo().or(() -> sender), inbound.topic());
            case Inputs.Join j -> join(room, j, sender);
            case Inputs.Leave l -> {
                Optional<Rejection> foreign = heldElsewhere(room, l.clientId(), sender);
                if (foreign.isPresent()) {
                    refuse(foreign.get(), sender, inbound.topic());
                } else if (connectionLost(inbound.payload())) {
                    leaveLater(room, l.clientId());
                } else {
                    leave(room, l.clientId(), false);
                }
            }
            case Inputs.Message m -> {
                // on the embedded broker (the sender stamped), inspect() already counted it against its connection
                take(room, m, inbound, arrived, sender.isEmpty());
                return;
            }
        }
        inbound.acknowledge();
    }

    /**
     * Checks a message input and stages it for the batch's transaction (group commit, {@link #flushStaged}); it is
     * published once stored and acknowledged once marked published (decision 0009). While the store fails the input is
     * tried again, in order, and not acknowledged: the broker counts it as delivered.
     */
    private void take(String room, Inputs.Message m, Inbound inbound, long arrived, boolean limit) {
        // the sender's own key first: a client that resends after a reconnect publishes again, and the broker stamps
        // the new publish with a new id; the broker's id covers redelivery to this service
        // an input taken in-process (decision 0050) is never handed over again: neither the broker's id nor the
        // ledger is needed for it, and the store keeps no key for it (one index entry less per message)
        boolean inProcess = inProcess(inbound);
        Optional<String> key = m.idempotencyKey()
                .map(k -> "c:" + m.clientId() + ":" + k)
                .or(() -> inProcess
                        ? Optional.empty()
                        : inbound.lastUserProperty("x-broker-message-id").map(id -> "b:" + id));
        // no key at all (an external broker, a client without message_id): the ledger recognises a redelivery
        Optional<MessageStore.LedgerEntry> ledger = key.isPresent() || !outboxOn || inProcess
                ? Optional.empty()
                : Optional.of(new MessageStore.LedgerEntry(inputHash(inbound), inbound.connection(), clock.millis()));
        if (ledger.isPresent()) {
            noteConnection(inbound.connection());
        }
        if (ledger.isPresent() && suspects.contains(ledger.get().inputHash())) {
            flushStaged(); // the ledger must hold what came before
            Optional<String> stored = redeliveryOf(ledger.get(), inbound);
            if (stored.isPresent()) {
                // the entry stays, now on this connection, until it has stayed up: it may go before the ack arrives
                outbox.redelivered(stored.get(), new Outbox.Ledger(ledger.get().inputHash(), inbound.connection()));
                inbound.acknowledge();
                return;
            }
        }
        Optional<ChatMessage> message = prepare(room, m, limit);
        if (message.isEmpty()) {
            inbound.acknowledge();
            return;
        }
        staged.add(new Staged(
                message.get(),
                new MessageStore.Unpublished(
                        stored(message.get(), key),
                        ledger,
                        ledger.isPresent()
                                ? Optional.ofNullable(drainFences.get(inbound.connection()))
                                : Optional.empty()),
                inbound,
                arrived,
                key));
        if (!outboxOn) {
            flushStaged();
        }
    }

    /**
     * The message stored for a keyless input when the input is the broker's redelivery of one already stored (its
     * ledger entry is claimed for this connection); asks again while the store fails.
     */
    private Optional<String> redeliveryOf(MessageStore.LedgerEntry ledger, Inbound inbound) {
        for (int attempt = 0; !closing; attempt++) {
            try {
                Optional<String> again =
                        store.claimRedelivery(ledger.inputHash(), inbound.connection(), clock.millis());
                if (again.isPresent()) {
                    LOG.debug("Input on {} is a redelivery of one already stored; skipped", inbound.topic());
                }
                return again;
            } catch (StoreException e) {
                if (attempt == 0) {
                    LOG.warn("Input on {} waits for the message store: {}", inbound.topic(), e.getMessage());
                }
                if (!backOff(attempt)) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    /**
     * On the worker, after a burst of inputs and before any other task: stores every staged message in one transaction
     * (trying again, in order, while the store fails), then publishes each in order.
     */
    private void flushStaged() {
        if (staged.isEmpty()) {
            return;
        }
        List<Staged> batch = List.copyOf(staged);
        staged.clear();
        List<Boolean> stored;
        while (true) {
            if (!goneDrains.isEmpty()) {
                // the session they came in was taken back (or lost): its holder gets them again, not stored here
                batch = batch.stream()
                        .filter(s -> !goneDrains.contains(s.inbound().connection()))
                        .toList();
                if (batch.isEmpty()) {
                    return;
                }
            }
            try {
                stored = storeBatch(batch);
                break;
            } catch (MessageStore.SessionTakenBack e) {
                // the instance came back while its session was drained, before this batch was stored: that drain's
                // inputs are its own again (not stored, not acknowledged here); the rest is stored on the next turn
                Set<String> gone = batch.stream()
                        .filter(st -> st.row()
                                .fence()
                                .filter(f -> e.instances().contains(f.instance()))
                                .isPresent())
                        .map(st -> st.inbound().connection())
                        .collect(java.util.stream.Collectors.toSet());
                goneDrains.addAll(gone);
                LOG.info(
                        "Instance(s) {} took their broker session back while it was drained: {} input(s) of the drain"
                                + " left to them",
                        e.instances(),
                        batch.stream()
                                .filter(st -> gone.contains(st.inbound().connection()))
                                .count());
            }
        }
        if (stored.isEmpty()) {
            return; // stopping: the inputs stay unacknowledged and come again
        }
        batches.record(batch.size());
        List<Staged> done = batch;
        List<Boolean> kept = stored;
        LocalRoute local = localRoute;
        if (local != null) {
            // the batch's outputs in one transaction of the broker in this process, as they were stored in one (0052)
            local.together(() -> publishBatch(done, kept));
        } else {
            publishBatch(done, kept);
        }
    }

    /** Acknowledges what the batch took in-process, publishes what it stored, in order (on the worker). */
    private void publishBatch(List<Staged> batch, List<Boolean> stored) {
        for (int i = 0; i < batch.size(); i++) {
            Staged s = batch.get(i);
            if (inProcess(s.inbound())) {
                s.inbound().acknowledge(); // stored: its sender may have its PUBACK; the outbox publishes it (0050)
            }
            if (!stored.get(i)) {
                LOG.debug("Input {} already processed; skipped", s.dedupeKey().orElse(""));
                s.inbound().acknowledge();
                continue;
            }
            ChatMessage message = s.message();
            members.counted(message.room(), message.clientId(), clock.millis());
            processing.record(System.nanoTime() - s.arrived(), TimeUnit.NANOSECONDS);
            notifyListeners(message);
            Inbound inbound = s.inbound();
            if (s.row().ledger().isPresent()) {
                String id = message.messageId();
                unacknowledged.put(id, s.row().ledger().get().inputHash());
                publishStored(
                        message,
                        () -> {
                            unacknowledged.remove(id);
                            inbound.acknowledge();
                        },
                        Optional.of(new Outbox.Ledger(s.row().ledger().get().inputHash(), inbound.connection())));
            } else {
                publishStored(message, inbound::acknowledge, Optional.empty());
            }
        }
    }

    /** @return whether each was stored; empty when the service stops before the store takes them */
    private List<Boolean> storeBatch(List<Staged> batch) {
        for (int attempt = 0; !closing; attempt++) {
            try {
                List<Boolean> stored = outboxOn
                        ? storeUnpublished(batch.stream().map(Staged::row).toList(), attempt)
                        : batch.stream()
                                .map(s -> store.append(s.row().message()))
                                .toList();
                if (attempt > 0) {
                    LOG.info("Message store back after {} attempt(s); inputs go on", attempt + 1);
                }
                return stored;
            } catch (StoreException e) {
                if (attempt == 0) {
                    Staged first = batch.getFirst();
                    LOG.warn(
                            "{} input(s), the first from {} in room {}, wait for the message store: {}",
                            batch.size(),
                            first.message().clientId(),
                            first.message().room(),
                            e.getMessage());
                }
                if (!backOff(attempt)) {
                    break;
                }
            }
        }
        return List.of();
    }

    /**
     * The outbox's rows of a burst; the first attempt also marks what the broker has taken meanwhile, in the same
     * transaction: one commit for both (issue 13).
     */
    private List<Boolean> storeUnpublished(List<MessageStore.Unpublished> rows, int attempt) {
        return attempt > 0
                ? store.appendUnpublished(rows, instance)
                : outbox.markAlong((marked, forget) -> store.appendUnpublished(rows, instance, marked, forget));
    }

    /** Waits before the next attempt at the store; false when interrupted. */
    private static boolean backOff(int attempt) {
        try {
            Thread.sleep(STORE_RETRY.delay(attempt));
            return true;
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * On the worker, at the first input without a key from a new connection: every input of the connections before it
     * has been taken or staged (the queue is in order), and those whose acknowledgement may not have reached the broker
     * (staged, not acknowledged yet, or acknowledged too recently before the connection went) may come again now; their hashes become suspects
     * before this input is looked at. Without this, a redelivery could be taken while its first copy still waited in
     * the queue or had just been acknowledged into a connection that was already dead.
     */
    private void noteConnection(String connection) {
        if (connection.equals(lastConnection)) {
            return;
        }
        suspects.addAll(unacknowledged.values());
        suspects.addAll(outbox.unconfirmedElsewhere(connection));
        if (drainSettings.isPresent() && !connection.contains("/drain/")) {
            if (!connection.equals(lastMainConnection)) {
                // a live instance may have drained this one's session meanwhile (decision 0043): the inputs it stored
                // and had not acknowledged when this instance took the session back come again here. Read once no
                // drain can store more of them (decision 0047): a drain's batch stored after this read would be an
                // input taken twice
                try {
                    suspects.addAll(store.sessionTakenBack(instance));
                } catch (StoreException e) {
                    LOG.debug("Cannot read the input ledger after a reconnect: {}", e.getMessage());
                }
            }
            lastMainConnection = connection;
        }
        staged.stream()
                .flatMap(st -> st.row().ledger().stream())
                .map(MessageStore.LedgerEntry::inputHash)
                .forEach(suspects::add);
        lastConnection = connection;
    }

    /**
     * On the worker (so every input received before it has been taken): once the current connection has been up for
     * three keep-alives, the inputs that could come again from earlier connections have come (brokers resend them
     * first); ledger entries from before it are forgotten, so that a new input identical to one of them is taken.
     */
    private void forgetStaleLedger() {
        Optional<java.time.OffsetDateTime> since = mqtt.connectedSince();
        if (suspects.isEmpty() || since.isEmpty()) {
            return;
        }
        long sinceMillis = since.get().toInstant().toEpochMilli();
        if (System.currentTimeMillis() - sinceMillis
                < mqtt.keepAlive().multipliedBy(3).toMillis()) {
            return;
        }
        try {
            // this instance's connections are named after its client id (MqttConnection): MQTT_CLIENT_ID/run/n
            int forgotten = store.forgetLedgerBefore(sinceMillis, instance + "/");
            suspects.clear();
            suspects.addAll(unacknowledged.values());
            suspects.addAll(outbox.unconfirmedElsewhere(mqtt.currentConnection()));
            if (forgotten > 0) {
                LOG.info(
                        "Forgot {} input ledger entries of earlier connections: their inputs did not come again",
                        forgotten);
            }
        } catch (StoreException e) {
            LOG.debug("Cannot forget old input ledger entries yet: {}", e.getMessage());
        }
    }

    /** The input's topic and payload, hashed: what the ledger knows a redelivery by. */
    static String inputHash(Inbound inbound) {
        try {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            sha.update(inbound.topic().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(inbound.payload());
            return java.util.HexFormat.of().formatHex(sha.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Publishes a stored message; once the broker has it, the outbox marks it published and then runs {@code
     * afterMark} (the input's acknowledgement). A publish that fails is tried again when the connection is back.
     */
    private void publishStored(ChatMessage message, Runnable afterMark, Optional<Outbox.Ledger> ledger) {
        if (!outboxOn) {
            publishMessage(message).whenComplete((ok, e) -> afterMark.run());
            return;
        }
        witness.ifPresent(w -> w.publishing(message.messageId()));
        publishMessage(message).whenComplete((ok, e) -> {
            if (e == null) {
                outbox.published(message.messageId(), afterMark, ledger);
            } else {
                outbox.failed(new Outbox.Pending(message, afterMark, ledger, !MqttConnection.neverSent(e)));
            }
        });
    }

    /**
     * Publishes again, in order, what failed to publish while the connection was down. On the outputs' own connection
     * (no session, decision 0046) it first settles, through the witness, which of them the broker had routed; until
     * then that connection refuses every output, so nothing newer overtakes them.
     */
    private void republishFailed() {
        if (outputs.isEmpty()) {
            List<Outbox.Pending> again = outbox.takeFailed();
            if (!again.isEmpty()) {
                LOG.info("Publishing {} message(s) again that did not reach the broker", again.size());
                again.forEach(p -> publishStored(p.message(), p.afterMark(), p.ledger()));
            }
            return;
        }
        MqttConnection out = outputs.get();
        if (settling || !out.isConnected()) {
            return; // settled when it is up again
        }
        List<Outbox.Pending> failed = outbox.takeFailed();
        List<String> maybeRouted = failed.stream()
                .filter(Outbox.Pending::maybeSent)
                .map(p -> p.message().messageId())
                .toList();
        if (maybeRouted.isEmpty()) {
            publishSettled(failed, Set.of(), Optional.empty(), 0);
            return;
        }
        // the broker dropped the lost connection when this one connected: the marker comes after every copy of what
        // it routed from there
        settling = true;
        failed.stream()
                .filter(Outbox.Pending::maybeSent)
                .forEach(p -> unsettled.put(p.message().messageId(), p));
        settle(failed, maybeRouted, System.nanoTime(), 1);
    }

    /** Asks the witness with a marker; one that does not come back within {@link #SETTLE_LIMIT} is tried again. */
    private void settle(List<Outbox.Pending> failed, List<String> maybeRouted, long started, int attempt) {
        witness.get().routedOf(maybeRouted, SETTLE_LIMIT, this::markRouted).whenComplete((routed, e) -> {
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            Runnable next = e != null && attempt < SETTLE_ATTEMPTS && !closing
                    ? () -> settle(failed, maybeRouted, started, attempt + 1)
                    : () -> {
                        settling = false;
                        publishSettled(failed, e == null ? routed : Set.of(), Optional.ofNullable(e), millis);
                    };
            if (!submit(next)) {
                next.run(); // stopping: the outbox marks what it can, the rest stays for the next start
            }
        });
    }

    /**
     * On the worker: marks published the failed outputs the broker had routed ({@code routed}), then opens the outputs'
     * connection and publishes the others, with those refused meanwhile, in the order stored.
     */
    private void publishSettled(
            List<Outbox.Pending> failed, Set<String> routed, Optional<Throwable> failure, long millis) {
        if (failure.isPresent()) {
            LOG.warn(
                    "Could not tell which of the {} chat message(s) in flight when the outputs' connection was lost"
                            + " the broker had routed ({} after {} ms): publishing them again; those it had routed"
                            + " come out twice",
                    failed.stream().filter(Outbox.Pending::maybeSent).count(),
                    rootCause(failure.get()) instanceof java.util.concurrent.TimeoutException
                            ? "the witness's marker did not come back"
                            : rootCause(failure.get()).toString(),
                    millis);
        }
        List<Outbox.Pending> rest = new ArrayList<>();
        long lost = 0;
        long again = 0;
        for (Outbox.Pending p : failed) {
            String id = p.message().messageId();
            lost += p.maybeSent() ? 1 : 0;
            if (routed.contains(id)) {
                markRouted(id); // unless its copy had it marked already
            } else if (!p.maybeSent() || unsettled.remove(id) != null) {
                again += p.maybeSent() ? 1 : 0;
                rest.add(new Outbox.Pending(p.message(), p.afterMark(), p.ledger(), false));
            } // else its copy came and had it marked: not sent again
        }
        if (lost > 0) {
            LOG.info(
                    "The outputs' connection was lost with {} chat message(s) not acknowledged: the broker had routed"
                            + " {} (marked published, not sent again; {} ms); publishing the other {}",
                    lost,
                    lost - again,
                    millis,
                    again);
        }
        rest.forEach(outbox::failed);
        rest = outbox.takeFailed(); // with those refused meanwhile, in the order stored
        if (!outputs.get().openPublishes()) {
            rest.forEach(outbox::failed); // lost again: settled when it is back
            return;
        }
        rest.forEach(p -> publishStored(p.message(), p.afterMark(), p.ledger()));
    }

    /**
     * A failed output the broker had routed (its copy came): marked published, its input acknowledged, not sent again.
     * On the witness's callback thread or the worker; once per output.
     */
    private void markRouted(String messageId) {
        Outbox.Pending p = unsettled.remove(messageId);
        if (p != null) {
            outbox.published(messageId, p.afterMark(), p.ledger());
        }
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t != t.getCause()) {
            t = t.getCause();
        }
        return t;
    }

    /** Applies the rate limit and finds the sender's name: the message to store, or empty when refused. */
    private Optional<ChatMessage> prepare(String room, Inputs.Message m, boolean limit) {
        long now = System.nanoTime();
        long wait = limit ? rateLimiter.acquire(m.clientId(), now) : 0;
        if (wait > 0) {
            refuse(
                    tooMany()
                            .retryAfter(TimeUnit.NANOSECONDS.toMillis(wait) + 1)
                            .about(m.idempotencyKey()),
                    Optional.of(m.clientId()),
                    topics.in(room));
            return Optional.empty();
        }
        // the member is looked up only when the input names no user: in the store that is a query per message
        Optional<String> username =
                m.username().or(() -> members.find(room, m.clientId()).map(Member::username));
        if (username.isEmpty()) {
            refuse(
                    Rejection.of(Code.MISSING_FIELD, "username is required unless you joined the room first")
                            .about(m.idempotencyKey()),
                    Optional.of(m.clientId()),
                    topics.in(room));
            return Optional.empty();
        }
        return Optional.of(new ChatMessage(
                ChatMessage.USER_MESSAGE,
                username.get(),
                m.text(),
                Clocks.timestamp(clock),
                Clocks.uuid7(),
                room,
                m.clientId(),
                m.source(),
                Optional.empty()));
    }

    private boolean append(StoredMessage message, Optional<MessageStore.LedgerEntry> ledger) {
        return outboxOn ? store.appendUnpublished(message, instance, ledger) : store.append(message);
    }

    private static StoredMessage stored(ChatMessage m, Optional<String> dedupeKey) {
        return new StoredMessage(
                m.messageId(),
                m.room(),
                m.type(),
                m.clientId(),
                m.username(),
                m.content(),
                m.source(),
                m.replyTo(),
                m.timestamp(),
                dedupeKey);
    }

    private CompletableFuture<Void> publishMessage(ChatMessage message) {
        lastMessageTime = message.timestamp();
        String topic = topics.out(message.room());
        // once: a broker restarted while its acknowledgement was on the way must not route it twice (decision 0022)
        // a failure is the outbox's to handle (it publishes the message again): no warning per message here, as a lost
        // outputs' connection refuses every message until what it lost is settled (decision 0046)
        LocalRoute local = localRoute;
        CompletableFuture<Void> publishing = local != null
                ? local.publish(topic, Json.bytes(message))
                : outputs.orElse(mqtt).publishOnce(topic, Json.bytes(message));
        return publishing.whenComplete((done, failed) -> {
            if (failed == null) {
                if (local != null) {
                    routedLocally.incrementAndGet();
                }
                sent.incrementAndGet();
                published.increment();
            } else {
                LOG.debug("Publish on {} failed: {}", topic, failed.getMessage());
            }
        });
    }

    private void notifyListeners(ChatMessage message) {
        for (RoomListener listener : listeners) {
            try {
                listener.onMessage(message);
            } catch (RuntimeException e) {
                LOG.error("Room listener failed on message {}", message.messageId(), e);
            }
        }
    }

    private void join(String room, Inputs.Join j, Optional<String> sender) {
        Optional<Rejection> foreign = heldElsewhere(room, j.clientId(), sender);
        if (foreign.isPresent()) {
            refuse(foreign.get(), sender, topics.join(room));
            return;
        }
        java.util.concurrent.ScheduledFuture<?> pending = pendingLeaves.remove(room + "\u0000" + j.clientId());
        if (pending != null) {
            pending.cancel(false);
            LOG.info(
                    "{} ({}) back in room {} within {} s; no leave",
                    j.username(),
                    j.clientId(),
                    room,
                    REJOIN_GRACE.toSeconds());
        }
        // on the embedded broker a member belongs to the MQTT connection that joined it, whatever client id either
        // names: it leaves when that connection goes (the seed's Node.js example, whose random connection id differs
        // from its payload's client_id, exits before its leave is sent), and only that connection may leave for it
        Optional<String> connection = sender;
        Member joining = new Member(
                j.clientId(), j.username(), j.source(), Clocks.timestamp(clock), 0, connection, clock.millis());
        members.join(room, joining, (before, list) -> {
            if (before.isEmpty()) {
                LOG.info("{} ({}) joined room {}", j.username(), j.clientId(), room);
                publishSystem(room, notices.joined(j.username(), j.source()));
            }
            return onlineChanged(room);
        });
        if (connection.isPresent() && !liveConnections.contains(connection.get())) {
            leaveLater(room, j.clientId()); // a one-shot publisher (mosquitto_pub) already gone
        }
    }

    /**
     * Refuses a join or leave for a member that another MQTT connection joined and still holds (embedded broker:
     * {@code sender} is the publisher's connection). A will of bob's connection naming alice does not remove alice.
     * Without a sender (an external broker) nothing is known of connections and anyone may.
     */
    private Optional<Rejection> heldElsewhere(String room, String clientId, Optional<String> sender) {
        if (sender.isEmpty()) {
            return Optional.empty();
        }
        return members.find(room, clientId)
                .flatMap(Member::connection)
                .filter(holder -> !holder.equals(sender.get()))
                .filter(liveConnections::contains)
                .map(holder -> Rejection.of(
                        Code.FORBIDDEN,
                        "client_id '" + clientId + "' is in room " + room
                                + " over another MQTT connection; only that connection may join or leave for it"));
    }

    private void leave(String room, String clientId, boolean silently) {
        members.leave(room, clientId, (gone, list) -> {
            String name = gone.map(Member::username).orElse(clientId);
            LOG.info("{} ({}) left room {}{}", name, clientId, room, silently ? " (connection gone)" : "");
            publishSystem(room, notices.left(name, gone.map(Member::source).orElse("")));
            return onlineChanged(room);
        });
    }

    /** Whether a leave is a will saying the connection was lost ({@code "reason":"connection_lost"}). */
    private static boolean connectionLost(byte[] payload) {
        return Json.tree(payload)
                .map(t -> "connection_lost".equals(t.path("reason").asText("")))
                .orElse(false);
    }

    /**
     * The member's connection was lost: it leaves after {@link #REJOIN_GRACE} unless it joins again meanwhile or is
     * by then bound to a live connection (a reload whose old connection was noticed late). On the worker thread.
     */
    private void leaveLater(String room, String clientId) {
        String key = room + "\u0000" + clientId;
        if (pendingLeaves.containsKey(key) || members.find(room, clientId).isEmpty()) {
            return;
        }
        try {
            pendingLeaves.put(
                    key,
                    graceTimer.schedule(
                            () -> submit(() -> {
                                if (pendingLeaves.remove(key) == null) {
                                    return; // rejoined meanwhile
                                }
                                boolean live = members.find(room, clientId)
                                        .flatMap(Member::connection)
                                        .map(liveConnections::contains)
                                        .orElse(false);
                                if (!live) {
                                    leave(room, clientId, true);
                                }
                            }),
                            REJOIN_GRACE.toMillis(),
                            TimeUnit.MILLISECONDS));
        } catch (RejectedExecutionException stopping) {
            leave(room, clientId, true);
        }
    }

    /** An MQTT connection opened (embedded broker only). */
    public void connectionOpened(String mqttClientId) {
        liveConnections.add(mqttClientId);
    }

    /** An MQTT connection closed: every member it joined leaves, after {@link #REJOIN_GRACE} unless back by then. */
    public void connectionGone(String mqttClientId) {
        liveConnections.remove(mqttClientId);
        submit(() -> members.byRoom()
                .forEach((room, list) -> list.stream()
                        .filter(m -> m.connection().map(mqttClientId::equals).orElse(false))
                        .map(Member::clientId)
                        .toList()
                        .forEach(id -> leaveLater(room, id))));
    }

    /** Removes members silent for longer than the idle timeout, except those bound to a live connection. */
    public void expireIdle() {
        if (config.idleTimeout().isZero()) {
            return;
        }
        submit(() -> {
            long now = clock.millis();
            long limit = config.idleTimeout().toMillis();
            // in the store, every instance sweeps every room: a member another instance already removed is a no-op
            members.byRoom()
                    .forEach((room, list) -> list.stream()
                            .filter(m -> m.connection().isEmpty() && now - m.lastSeenMillis() > limit)
                            .map(Member::clientId)
                            .toList()
                            .forEach(id -> leave(room, id, true)));
            long nanos = System.nanoTime();
            rateLimiter.prune(nanos);
            joinLimiter.prune(nanos);
            lastLimitReply.values().removeIf(t -> nanos - t > LIMIT_REPLY_INTERVAL_NANOS);
            synchronized (typingLimiter) {
                typingLimiter.prune(nanos);
            }
        });
    }

    /**
     * Checks an input before the broker routes it (embedded broker only). Called on broker threads.
     *
     * @return why the publish is refused; the sender also gets the error reply
     */
    public Optional<String> inspect(String topic, byte[] payload, String senderClientId, boolean authenticated) {
        return inspect(topic, payload, senderClientId, Optional.empty(), authenticated);
    }

    /**
     * Like {@link #inspect(String, byte[], String, boolean)}, for a publisher whose connections share a budget as well
     * ({@code budget}: {@code account:NAME} for a configured account, {@code browser:OWNER} for the tokens of one
     * browser), so that 20 connections do not get 20 times the rate.
     */
    public Optional<String> inspect(
            String topic, byte[] payload, String senderClientId, Optional<String> budget, boolean authenticated) {
        Optional<Topics.Parsed> parsed = topics.parse(topic);
        if (parsed.isEmpty()) {
            return Optional.empty();
        }
        Inputs.Result result = Inputs.parse(parsed.get().input(), payload, config);
        Optional<Rejection> rejection = Optional.empty();
        Optional<String> replyTo = Optional.of(senderClientId);
        if (!Topics.isValidRoom(parsed.get().room())) {
            rejection = Optional.of(
                    Rejection.of(Code.INVALID_ROOM, Topics.ROOM_RULE).about(inputId(result)));
        } else if (result instanceof Inputs.Refused r) {
            rejection = Optional.of(r.rejection());
            // anonymous clients may name another client id in the payload (the seed's examples do); answer there
            replyTo = authenticated ? replyTo : r.replyTo().or(() -> Optional.of(senderClientId));
        } else if (authenticated && !clientIdOf(result).equals(senderClientId)) {
            rejection = Optional.of(Rejection.of(
                            Code.FORBIDDEN,
                            "client_id '" + clientIdOf(result) + "' is not your MQTT client id '" + senderClientId
                                    + "'")
                    .about(inputId(result)));
        } else {
            rejection = heldElsewhereNow(parsed.get().room(), result, senderClientId)
                    .or(() -> overRate(result, senderClientId, budget));
            if (rejection.isPresent() && rejection.get().code() == Code.RATE_LIMITED) {
                // anonymous clients may speak for another client id (the seed's Node.js example): answer there
                replyTo = authenticated ? replyTo : Optional.of(clientIdOf(result));
                if (!replyNow(senderClientId)) {
                    meters.counter("chat.inputs.rejected", "code", Code.RATE_LIMITED.name())
                            .increment();
                    return rejection.map(Rejection::message);
                }
            }
        }
        Optional<String> to = replyTo;
        rejection.ifPresent(r -> submit(() -> refuse(r, to, topic)));
        return rejection.map(Rejection::message);
    }

    /**
     * A join or leave for a member another live connection holds, refused before the broker acknowledges: members in
     * this JVM can be read on broker threads (the worker checks again, as a join it has not handled yet may bind the
     * member meanwhile).
     */
    private Optional<Rejection> heldElsewhereNow(String room, Inputs.Result result, String senderClientId) {
        if (!(members instanceof LocalMembers) || !(result instanceof Inputs.Join || result instanceof Inputs.Leave)) {
            return Optional.empty();
        }
        return heldElsewhere(room, clientIdOf(result), Optional.of(senderClientId));
    }

    /**
     * The rate limits of the embedded broker, keyed on the publisher's MQTT connection (its client id), whatever
     * client_id the payload names, and on the budget its connections share (an account's, a browser's tokens': all
     * its connections together get the budget of one): messages at CHAT_RATE_PER_MINUTE, joins (which make rooms) at
     * {@value #JOINS_PER_MINUTE} a minute.
     */
    private Optional<Rejection> overRate(Inputs.Result result, String senderClientId, Optional<String> budget) {
        long now = System.nanoTime();
        List<String> keys = budget.isPresent()
                ? List.of("mqtt:" + senderClientId, budget.get())
                : List.of("mqtt:" + senderClientId);
        long wait = switch (result) {
            case Inputs.Message m -> rateLimiter.acquireAll(keys, now);
            case Inputs.Join j -> joinLimiter.acquireAll(keys, now);
            default -> 0;
        };
        if (wait == 0) {
            return Optional.empty();
        }
        Rejection limited = result instanceof Inputs.Join
                ? Rejection.of(Code.RATE_LIMITED, "too many joins; at most " + JOINS_PER_MINUTE + " per minute")
                : tooMany();
        return Optional.of(
                limited.retryAfter(TimeUnit.NANOSECONDS.toMillis(wait) + 1).about(inputId(result)));
    }

    /** Whether a flooding connection may hear RATE_LIMITED again (at most once a second). */
    private boolean replyNow(String senderClientId) {
        long now = System.nanoTime();
        boolean[] due = {false};
        lastLimitReply.compute(senderClientId, (k, last) -> {
            due[0] = last == null || now - last >= LIMIT_REPLY_INTERVAL_NANOS;
            return due[0] ? Long.valueOf(now) : last;
        });
        return due[0];
    }

    /**
     * The broker dropped a client's publish on one of the rooms' topics that only the service publishes on (embedded
     * broker only): the client hears why on its error topic, as an MQTT 3.1.1 client's acknowledgement cannot say.
     */
    public void publishRefused(String clientId, String topic) {
        if (topics.parse(topic).isEmpty() && topic.startsWith(Topics.ROOT + "/") && !clientId.isEmpty()) {
            Rejection rejection = Rejection.of(
                    Code.FORBIDDEN, "only the chat service publishes on " + topic + "; your publish was dropped");
            submit(() -> refuse(rejection, Optional.of(clientId), topic));
        }
    }

    /** The {@code message_id} a parsed input carried, to name it in an error reply. */
    private static Optional<String> inputId(Inputs.Result result) {
        return switch (result) {
            case Inputs.Message m -> m.idempotencyKey();
            case Inputs.Refused r -> r.rejection().messageId();
            case Inputs.Join j -> Optional.empty();
            case Inputs.Leave l -> Optional.empty();
        };
    }

    private static String clientIdOf(Inputs.Result result) {
        return switch (result) {
            case Inputs.Message m -> m.clientId();
            case Inputs.Join j -> j.clientId();
            case Inputs.Leave l -> l.clientId();
            case Inputs.Refused r -> "";
        };
    }

    private void refuse(Rejection rejection, Optional<String> replyTo, String topic) {
        meters.counter("chat.inputs.rejected", "code", rejection.code().name()).increment();
        if (replyTo.isEmpty()) {
            LOG.info(
                    "Rejected input on {} from an unknown client: {} {}", topic, rejection.code(), rejection.message());
            return;
        }
        if (!Inputs.canNameTopic(replyTo.get())) {
            // an MQTT client id the broker took but that cannot stand in a topic (U+0000, a lone surrogate)
            LOG.info("Rejected input on {} from a client id that cannot name a topic: {}", topic, rejection.code());
            return;
        }
        LOG.debug("Rejected input on {} from {}: {}", topic, replyTo.get(), rejection.code());
        publish(Topics.errors(replyTo.get()), Json.bytes(new ErrorReply(rejection, Clocks.timestamp(clock))), false);
    }

    private CompletableFuture<Void> publishSystem(String room, Notice notice) {
        return publish(topics.system(room), Json.bytes(new SystemMessage(notice, Clocks.timestamp(clock))), false);
    }

    /**
     * Marks the room's member list for publication: 5,000 joins in a room make about one list per interval, not
     * 5,000 lists of up to 5,000 members each (quadratic traffic, issue 15).
     */
    private CompletableFuture<Void> onlineChanged(String room) {
        onlineChanged.add(room);
        return CompletableFuture.completedFuture(null);
    }

    /** On the worker: publishes the latest member list of every room that changed. */
    private void publishChangedLists() {
        for (String room : List.copyOf(onlineChanged)) {
            onlineChanged.remove(room);
            publishOnline(room, members.of(room));
        }
    }

    private CompletableFuture<Void> publishOnline(String room, List<Member> list) {
        List<OnlineUser> users = list.stream()
                .limit(ONLINE_LIST_MAX)
                .map(m -> new OnlineUser(m.clientId(), m.username(), m.source(), m.joinTime()))
                .toList();
        return publish(
                topics.online(room),
                Json.bytes(
                        new OnlineList(room, users, list.size(), list.size() > users.size(), Clocks.timestamp(clock))),
                true);
    }

    private CompletableFuture<Void> publish(String topic, byte[] payload, boolean retain) {
        return counted(topic, mqtt.publish(topic, payload, retain));
    }

    private CompletableFuture<Void> counted(String topic, CompletableFuture<Void> publishing) {
        return publishing.whenComplete((ok, error) -> {
            if (error == null) {
                sent.incrementAndGet();
            } else {
                LOG.warn("Publish on {} failed: {}", topic, error.getMessage());
            }
        });
    }

    // ---- API for other participants (the HTTP API, the assistant) ----

    /**
     * Posts a message into a room as if it came in on {@code messages/in}, from a participant that is not an MQTT
     * client (HTTP, the assistant, voice).
     */
    public CompletableFuture<ChatMessage> post(
            String room,
            String clientId,
            String username,
            String text,
            String type,
            String source,
            Optional<String> replyTo) {
        return post(room, clientId, username, text, type, source, replyTo, Clocks.uuid7());
    }

    /**
     * Like {@link #post(String, String, String, String, String, String, Optional)} with a message id chosen by the
     * caller, e.g. the id the assistant already used for the reply's deltas on {@code messages/stream}.
     */
    public CompletableFuture<ChatMessage> post(
            String room,
            String clientId,
            String username,
            String text,
            String type,
            String source,
            Optional<String> replyTo,
            String messageId) {
        return post(room, clientId, username, text, type, source, replyTo, messageId, false);
    }

    /**
     * Posts a user message from an outside participant (an agent using the room's MCP server) under the same
     * per-client rate limit as MQTT input; over it the future fails with a {@link ChatException} ({@code RATE_LIMITED}),
     * as it does for a name that is or looks like the assistant's or the system's ({@code RESERVED_NAME}).
     */
    public CompletableFuture<ChatMessage> postLimited(
            String room, String clientId, String username, String text, String source) {
        Optional<String> reserved = config.reservedNames().lookalikeOf(username);
        if (reserved.isPresent()) {
            return CompletableFuture.failedFuture(
                    new ChatException(Rejection.of(Code.RESERVED_NAME, Inputs.reservedMessage(reserved.get()))));
        }
        return post(
                room,
                clientId,
                username,
                text,
                ChatMessage.USER_MESSAGE,
                source,
                Optional.empty(),
                Clocks.uuid7(),
                true);
    }

    private CompletableFuture<ChatMessage> post(
            String room,
            String clientId,
            String username,
            String text,
            String type,
            String source,
            Optional<String> replyTo,
            String messageId,
            boolean limited) {
        CompletableFuture<ChatMessage> result = new CompletableFuture<>();
        boolean queued = submit(() -> {
            if (limited && !rateLimiter.tryAcquire(clientId, System.nanoTime())) {
                result.completeExceptionally(new ChatException(tooMany()));
                return;
            }
            ChatMessage message = new ChatMessage(
                    type, username, text, Clocks.timestamp(clock), messageId, room, clientId, source, replyTo);
            try {
                append(stored(message, Optional.empty()), Optional.empty());
            } catch (StoreException e) {
                LOG.warn("Message from {} in room {} not taken: {}", clientId, room, e.getMessage());
                result.completeExceptionally(new ChatException(notStored()));
                return;
            }
            publishStored(message, () -> {}, Optional.empty());
            if (!type.equals(ChatMessage.AI_RESPONSE)) {
                notifyListeners(message);
            }
            result.complete(message);
        });
        if (!queued) {
            result.completeExceptionally(new ChatException(Rejection.of(Code.BUSY, "the chat service is busy")));
        }
        return result;
    }

    private static Rejection notStored() {
        return Rejection.of(
                Code.UNAVAILABLE, "the message could not be stored, so it was not sent; please send it again shortly");
    }

    private Rejection tooMany() {
        return Rejection.of(Code.RATE_LIMITED, "too many messages; at most " + config.ratePerMinute() + " per minute");
    }

    /**
     * Says on the room's {@code messages/stream} that the assistant accepted a question and is working on the reply
     * that will carry {@code messageId} (PROTOCOL.md §1.5).
     */
    public CompletableFuture<Void> publishThinking(String room, String messageId, String replyTo, String username) {
        return publish(
                topics.stream(room),
                Json.bytes(new Notifications.Thinking(messageId, replyTo, username, Clocks.timestamp(clock))),
                false);
    }

    /**
     * Checks a publish on a typing topic before the broker routes it (embedded broker only; broker threads): never
     * retained, at most {@link #TYPING_PER_MINUTE} a minute per client, and an account speaks only for itself.
     */
    public Optional<String> inspectTyping(
            String topic, byte[] payload, String senderClientId, boolean authenticated, boolean retained) {
        if (retained) {
            return Optional.of("typing events are never retained");
        }
        boolean allowed;
        synchronized (typingLimiter) { // broker threads
            allowed = typingLimiter.tryAcquire(senderClientId, System.nanoTime());
        }
        if (!allowed) {
            return Optional.of("too many typing events; at most " + TYPING_PER_MINUTE + " per minute");
        }
        if (payload.length > 1024) {
            return Optional.of("a typing event is at most 1024 bytes");
        }
        if (authenticated) {
            String claimed =
                    Json.tree(payload).map(t -> t.path("client_id").asText("")).orElse("");
            if (!claimed.equals(senderClientId)) {
                return Optional.of("client_id must be your MQTT client id");
            }
        }
        return Optional.empty();
    }

    /** Publishes a chunk of a reply being generated on the room's {@code messages/stream}. */
    public CompletableFuture<Void> publishDelta(String room, String messageId, int seq, String delta) {
        return publish(topics.stream(room), Json.bytes(new ReplyDelta(messageId, seq, delta)), false);
    }

    /**
     * Tells one client privately, on {@code chatroom/clients/{client_id}/errors}, that what it asked for was refused
     * after its message was taken in (the assistant too busy to answer it, say).
     */
    public void refuse(String clientId, Rejection rejection, String room) {
        submit(() -> refuse(rejection, Optional.of(clientId), topics.in(room)));
    }

    /**
     * Publishes the end of a reply stream that will not be completed ({@code "aborted":true}, at {@code seq}, after
     * the last piece): no {@code ai_response} follows it.
     */
    public CompletableFuture<Void> abortDelta(String room, String messageId, int seq) {
        return publish(topics.stream(room), Json.bytes(ReplyDelta.aborted(messageId, seq)), false);
    }

    /** Sends a notice to the room's system topic. */
    public void notice(String room, String text) {
        notice(room, Notice.text(text));
    }

    /** Sends a notice with a code and parameters (each client can say it in its own language). */
    public void notice(String room, Notice notice) {
        submit(() -> publishSystem(room, notice));
    }

    /** The room's recent history, oldest first. */
    public List<ChatMessage> history(String room, Optional<String> before, int limit) {
        return store.history(room, before, limit).stream()
                .map(ChatService::message)
                .toList();
    }

    private static ChatMessage message(StoredMessage s) {
        return new ChatMessage(
                s.type(),
                s.username(),
                s.content(),
                s.timestamp(),
                s.messageId(),
                s.room(),
                s.clientId(),
                s.source(),
                s.replyTo());
    }

    /** The room's members right now. */
    public List<Member> membersOf(String room) {
        return members.of(room);
    }

    /**
     * The seed's five topics (in, out, join, leave, system) of the default room and of each room that had input,
     * default room first.
     */
    private List<String> activeTopics() {
        List<String> rooms = new ArrayList<>();
        rooms.add(config.defaultRoom());
        new java.util.TreeSet<>(activeRooms)
                .stream().filter(r -> !r.equals(config.defaultRoom())).forEach(rooms::add);
        List<String> list = new ArrayList<>();
        for (String room : rooms) {
            list.addAll(List.of(
                    topics.in(room), topics.out(room), topics.join(room), topics.leave(room), topics.system(room)));
        }
        return List.copyOf(list);
    }

    public ChatStatus status() {
        Map<String, Member> unique = new java.util.LinkedHashMap<>();
        members.byRoom().values().forEach(list -> list.forEach(m -> unique.putIfAbsent(m.clientId(), m)));
        return new ChatStatus(
                mqtt.isConnected(),
                running,
                mqtt.endpoint(),
                received.get(),
                sent.get(),
                mqtt.connectedSince().map(Clocks::format),
                Optional.ofNullable(lastMessageTime),
                activeTopics(),
                List.copyOf(unique.values()));
    }

    /**
     * Members in the store only (scale-out): republishes, on this instance's broker node, the member list of every room
     * changed by any instance since the last refresh, now and then of every room with members, and after a start or a
     * reconnect of every room. Each instance publishes a change
     * on its own node; where the broker is a cluster that keeps retained messages per node, the other nodes' copies
     * converge within {@link #MEMBER_LIST_REFRESH} (decision 0010). Runs every {@link #MEMBER_LIST_REFRESH}.
     */
    public void republishMemberLists() {
        if (!running || !mqtt.isConnected()) {
            refreshMissed = true;
            return;
        }
        submit(() -> {
            // after a start or a reconnect (maybe to another node): every room; now and then every room with members
            Members.Scope scope = refreshMissed
                    ? Members.Scope.EVERY
                    : ++refreshes % FULL_REFRESH_EVERY == 0 ? Members.Scope.OCCUPIED : Members.Scope.CHANGED;
            refreshMissed = false;
            try {
                int count = members.republish(
                        scope,
                        (room, list) -> Topics.isValidRoom(room)
                                ? publishOnline(room, list)
                                : CompletableFuture.completedFuture(null));
                if (refreshFailing) {
                    refreshFailing = false;
                    LOG.info("Member lists republished again");
                }
                LOG.debug("Republished {} member list(s)", count);
            } catch (StoreException e) {
                refreshMissed = true;
                if (!refreshFailing) {
                    refreshFailing = true;
                    LOG.warn("Cannot republish the member lists: {}", e.getMessage());
                }
            }
        });
    }

    /** Says goodbye on the system topic and drains the worker. */
    @Override
    public void close() {
        if (running && config.sharedGroup().isPresent()) {
            // leave the group first: inputs published from now on go to the other instances, not to this session
            try {
                mqtt.unsubscribe(inputFilters).get(3, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn(
                        "Leaving shared group {} not confirmed by the broker",
                        config.sharedGroup().get());
            }
        }
        if (running) {
            running = false;
            CompletableFuture<Void> bye = new CompletableFuture<>();
            submit(() -> publishSystem(config.defaultRoom(), notices.stopping())
                    .whenComplete((ok, e) -> bye.complete(null)));
            try {
                bye.get(3, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("Stop notice not confirmed by the broker");
            }
        }
        graceTimer.shutdownNow();
        onlineTicker.shutdownNow();
        lease.shutdownNow();
        submit(this::publishChangedLists);
        closing = true;
        worker.close(Duration.ofSeconds(5));
        outbox.close();
    }
}
