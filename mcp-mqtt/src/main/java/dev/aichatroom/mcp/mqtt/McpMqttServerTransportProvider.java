package dev.aichatroom.mcp.mqtt;

import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import dev.aichatroom.mcp.mqtt.JsonRpcCodec.Decoded;
import dev.aichatroom.mcp.mqtt.JsonRpcCodec.Invalid;
import dev.aichatroom.mcp.mqtt.JsonRpcCodec.Valid;
import dev.aichatroom.mcp.mqtt.MqttConnection.Inbound;
import dev.aichatroom.mcp.mqtt.MqttConnection.Subscription;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCMessage;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCNotification;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCRequest;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCResponse;
import io.modelcontextprotocol.spec.McpServerSession;
import io.modelcontextprotocol.spec.McpServerTransport;
import io.modelcontextprotocol.spec.McpServerTransportProvider;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Exposes an MCP SDK server over MQTT 5 (MCP over MQTT, 2025 revision).
 *
 * <pre>{@code
 * var provider = new McpMqttServerTransportProvider(config);
 * McpSyncServer server = McpServer.sync(provider)
 *         .serverInfo("camera", "1.0.0")
 *         .requestTimeout(config.timeouts().sdkRequestTimeout())
 *         .tools(cameraTool)
 *         .build();            // hands the session factory to the provider
 * provider.start().join();     // connect, announce presence, accept initialize
 * ...
 * server.closeGracefully();    // clears presence, then disconnects
 * }</pre>
 *
 * <p>On start the provider connects with the server id as MQTT client id, an empty retained will on its presence
 * topic and the {@code MCP-COMPONENT-TYPE}/{@code MCP-META} user properties; adopts a server name suggested by the
 * broker in CONNACK; subscribes to its control topic and publishes its retained {@code notifications/server/online}.
 * For every {@code initialize} it subscribes to the client's capability, presence and RPC (No Local) topics before
 * answering; at most {@link McpMqttServerConfig#maxSessions()} sessions exist at once (an {@code initialize} beyond
 * that gets a {@link McpMqttException#SERVER_BUSY} error on the client's RPC topic), and a session whose client does
 * not send {@code notifications/initialized} within the {@code initialize} timeout is ended and its subscriptions
 * are dropped. A client's {@code notifications/disconnected} ends its session. If the connection to the broker is
 * lost, all sessions end (the will tells clients) and, when {@link McpMqttServerConfig#reconnect()} is set, the
 * provider reconnects and announces itself again.
 */
public final class McpMqttServerTransportProvider implements McpServerTransportProvider {

    private static final Logger log = LoggerFactory.getLogger(McpMqttServerTransportProvider.class);

    /** Notifications broadcast once on the server's capability topic instead of once per client. */
    private static final Set<String> CAPABILITY_METHODS = Set.of(
            McpSchema.METHOD_NOTIFICATION_TOOLS_LIST_CHANGED,
            McpSchema.METHOD_NOTIFICATION_RESOURCES_LIST_CHANGED,
            McpSchema.METHOD_NOTIFICATION_PROMPTS_LIST_CHANGED,
            McpSchema.METHOD_NOTIFICATION_RESOURCES_UPDATED);

    private static final long CLOSE_TIMEOUT_SECONDS = 5;

    /** Identical resource updates within this window are published once. */
    private static final Duration RESOURCE_UPDATE_WINDOW = Duration.ofSeconds(1);

    private enum State {
        NEW,
        STARTING,
        RUNNING,
        STOPPING,
        STOPPED
    }

    private enum Kind {
        RPC,
        CAPABILITY,
        PRESENCE
    }

    private record Route(SessionTransport session, Kind kind) {}

    private final McpMqttServerConfig config;
    private final JsonRpcCodec codec;
    private final MqttConnection mqtt;
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private final ConcurrentHashMap<String, SessionTransport> sessions = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Route> routes = new ConcurrentHashMap<>();
    /** When each resource update (by payload) was last published: the SDK asks once per subscribed session. */
    private final ConcurrentHashMap<String, Long> resourceUpdates = new ConcurrentHashMap<>();

    private volatile McpServerSession.Factory sessionFactory;
    private volatile String serverName;

    public McpMqttServerTransportProvider(McpMqttServerConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.codec = new JsonRpcCodec(McpJsonDefaults.getMapper(), config.maxPayloadBytes());
        this.serverName = config.serverName();
        this.mqtt = new MqttConnection(
                config.connection(),
                config.serverId(),
                Wire.COMPONENT_SERVER,
                new String(codec.write(config.meta()), java.nio.charset.StandardCharsets.UTF_8),
                config.maxPayloadBytes(),
                config.reconnect(),
                false,
                this::onMessage,
                new MqttConnection.Listener() {
                    @Override
                    public void connectionLost(Throwable cause) {
                        onConnectionLost();
                    }

                    @Override
                    public void reconnected(Mqtt5ConnAck connAck) {
                        onReconnected();
                    }
                });
    }

    /** The server id (this server's MQTT client id). */
    public String serverId() {
        return config.serverId();
    }

    /** The server name in use: the configured one, or the one the broker suggested. */
    public String serverName() {
        return serverName;
    }

    /** True between a successful {@link #start()} and {@link #closeGracefully()}. */
    public boolean isRunning() {
        return state.get() == State.RUNNING;
    }

    /**
     * True while the MQTT connection is up; false from the moment it was lost until an automatic reconnect succeeded
     * (the server cannot be reached meanwhile, although it is still {@link #isRunning() running}).
     */
    public boolean isConnected() {
        return mqtt.isConnected();
    }

    /** The mcp-client-ids of the clients that currently have a session. */
    public Set<String> clientIds() {
        return Set.copyOf(sessions.keySet());
    }

    @Override
    public void setSessionFactory(McpServerSession.Factory sessionFactory) {
        this.sessionFactory = Objects.requireNonNull(sessionFactory, "sessionFactory");
    }

    /**
     * Connects to the broker, announces the server and starts accepting clients. Call it after building the SDK
     * server with this provider. The future fails with an {@link McpMqttException} if the broker cannot be reached
     * or refuses the connection or a subscription.
     */
    public CompletableFuture<Void> start() {
        if (sessionFactory == null) {
            return CompletableFuture.failedFuture(new IllegalStateException(
                    "Build the MCP server with this provider (McpServer.sync(provider)...build()) before start()"));
        }
        if (!state.compareAndSet(State.NEW, State.STARTING)) {
            return CompletableFuture.failedFuture(new IllegalStateException("Already started: " + state.get()));
        }
        return mqtt.connect(will())
                .thenCompose(this::adoptSuggestedName)
                .thenCompose(v -> announce())
                .handle((v, error) -> {
                    if (error == null && state.compareAndSet(State.STARTING, State.RUNNING)) {
                        log.info(
                                "MCP server '{}' (server-id {}) online on {}:{}",
                                serverName,
                                serverId(),
                                config.connection().host(),
                                config.connection().port());
                        return null;
                    }
                    state.set(State.STOPPED);
                    mqtt.disconnect();
                    Throwable cause = unwrap(error);
                    throw new CompletionException(new McpMqttException(
                            McpMqttException.CONNECTION_CLOSED,
                            "Could not start MCP server '" + serverName + "' on "
                                    + config.connection().host() + ":"
                                    + config.connection().port() + ": "
                                    + (cause == null ? "stopped while starting" : cause.getMessage()),
                            cause));
                });
    }

    @Override
    public Mono<Void> notifyClients(String method, Object params) {
        return Mono.defer(() -> {
            if (state.get() != State.RUNNING) {
                return Mono.empty();
            }
            if (CAPABILITY_METHODS.contains(method)) {
                byte[] payload = codec.encode(new JSONRPCNotification(method, params));
                return Mono.fromFuture(() -> mqtt.publish(capabilityTopic(), payload, false));
            }
            return Flux.fromIterable(List.copyOf(sessions.values()))
                    .flatMap(t -> t.session().sendNotification(method, params).onErrorResume(e -> {
                        log.warn("Could not notify MCP client {}: {}", t.clientId, e.getMessage());
                        return Mono.empty();
                    }))
                    .then();
        });
    }

    /**
     * {@code notifications/resources/updated} goes to the server's capability topic (PROTOCOL §5: capability
     * carries list_changed and resource updates). The SDK asks once per subscribed session, so an update identical
     * to one published less than {@link #RESOURCE_UPDATE_WINDOW} ago is not published again (an update only tells
     * clients to read the resource again).
     */
    @Override
    public Mono<Void> notifyClient(String sessionId, String method, Object params) {
        if (McpSchema.METHOD_NOTIFICATION_RESOURCES_UPDATED.equals(method)) {
            return Mono.defer(() -> {
                if (state.get() != State.RUNNING) {
                    return Mono.empty();
                }
                byte[] payload = codec.encode(new JSONRPCNotification(method, params));
                String key = new String(payload, java.nio.charset.StandardCharsets.UTF_8);
                long now = System.nanoTime();
                long window = RESOURCE_UPDATE_WINDOW.toNanos();
                resourceUpdates.values().removeIf(at -> now - at > window);
                boolean[] fresh = {false};
                resourceUpdates.compute(key, (k, at) -> {
                    if (at != null && now - at <= window) {
                        return at;
                    }
                    fresh[0] = true;
                    return now;
                });
                return fresh[0] ? Mono.fromFuture(() -> mqtt.publish(capabilityTopic(), payload, false)) : Mono.empty();
            });
        }
        return Mono.defer(() -> {
            for (SessionTransport t : sessions.values()) {
                if (t.session().getId().equals(sessionId)) {
                    return t.session().sendNotification(method, params);
                }
            }
            log.debug("No MCP session {} to notify of {}", sessionId, method);
            return Mono.empty();
        });
    }

    /**
     * Stops the server: clears the retained presence first (clients see the server go offline at once), ends all
     * sessions, then disconnects normally.
     */
    @Override
    public Mono<Void> closeGracefully() {
        return Mono.defer(() -> {
            State previous = state.getAndUpdate(s -> s == State.STOPPED ? s : State.STOPPING);
            if (previous == State.STOPPED || previous == State.STOPPING) {
                return Mono.empty();
            }
            if (previous == State.NEW) {
                state.set(State.STOPPED);
                return Mono.empty();
            }
            CompletableFuture<Void> clearPresence = mqtt.isConnected()
                    ? mqtt.publish(presenceTopic(), new byte[0], true)
                            .orTimeout(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                            .exceptionally(e -> {
                                log.warn(
                                        "Could not clear the presence of MCP server '{}': {}",
                                        serverName,
                                        e.getMessage());
                                return null;
                            })
                    : CompletableFuture.completedFuture(null);
            CompletableFuture<Void> done = clearPresence
                    .thenRun(() -> List.copyOf(sessions.values())
                            .forEach(t -> dropSession(t, "MCP server stopped", false, false)))
                    .thenCompose(v -> mqtt.disconnect())
                    .whenComplete((v, e) -> {
                        state.set(State.STOPPED);
                        log.info("MCP server '{}' (server-id {}) stopped", serverName, serverId());
                    });
            return Mono.fromFuture(done);
        });
    }

    // ---------------------------------------------------------------- lifecycle

    private MqttConnection.Will will() {
        return new MqttConnection.Will(presenceTopic(), new byte[0], true);
    }

    private CompletableFuture<Void> adoptSuggestedName(Mqtt5ConnAck connAck) {
        ConnackHints hints = ConnackHints.from(connAck.getUserProperties(), codec);
        if (hints.serverName().isEmpty() || hints.serverName().get().equals(serverName)) {
            return CompletableFuture.completedFuture(null);
        }
        String suggested = hints.serverName().get();
        log.info("Broker suggested server name '{}' instead of '{}'; reconnecting with it", suggested, serverName);
        serverName = suggested;
        // the will names the presence topic, so connect again with the will of the new name
        return mqtt.disconnect().thenCompose(v -> mqtt.connect(will())).thenAccept(again -> {
            ConnackHints second = ConnackHints.from(again.getUserProperties(), codec);
            if (second.serverName().isPresent() && !second.serverName().get().equals(suggested)) {
                log.warn(
                        "Broker suggested yet another server name '{}'; keeping '{}'",
                        second.serverName().get(),
                        suggested);
            }
        });
    }

    private CompletableFuture<Void> announce() {
        return mqtt.subscribe(List.of(new Subscription(controlTopic(), false)))
                .thenCompose(v -> mqtt.publish(presenceTopic(), onlinePayload(), true));
    }

    private byte[] onlinePayload() {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("server_name", serverName);
        params.put("description", config.description());
        params.put("meta", config.meta());
        Map<String, Object> notification = new LinkedHashMap<>();
        notification.put("jsonrpc", McpSchema.JSONRPC_VERSION);
        notification.put("method", Wire.METHOD_SERVER_ONLINE);
        notification.put("params", params);
        return codec.write(notification);
    }

    private void onConnectionLost() {
        List.copyOf(sessions.values()).forEach(t -> dropSession(t, "connection to the MQTT broker lost", false, false));
    }

    private void onReconnected() {
        if (state.get() != State.RUNNING) {
            return;
        }
        announce().whenComplete((v, e) -> {
            if (e != null) {
                log.warn(
                        "MCP server '{}' could not announce itself after reconnecting: {}", serverName, e.getMessage());
            } else {
                log.info("MCP server '{}' (server-id {}) online again after reconnecting", serverName, serverId());
            }
        });
    }

    // ---------------------------------------------------------------- topics

    private String controlTopic() {
        return Wire.serverControl(serverId(), serverName);
    }

    private String capabilityTopic() {
        return Wire.serverCapability(serverId(), serverName);
    }

    private String presenceTopic() {
        return Wire.serverPresence(serverId(), serverName);
    }

    // ---------------------------------------------------------------- inbound (on the connection's executor)

    private void onMessage(Inbound in) {
        State s = state.get();
        if (s != State.RUNNING && s != State.STARTING) {
            return;
        }
        if (in.topic().equals(controlTopic())) {
            onControl(in);
            return;
        }
        Route route = routes.get(in.topic());
        if (route == null) {
            log.debug("Ignoring message on {} (no session)", in.topic());
            return;
        }
        SessionTransport t = route.session();
        switch (route.kind()) {
            case PRESENCE -> {
                if (in.payload().length > 0
                        && codec.decode(in.payload()) instanceof Valid v
                        && v.message() instanceof JSONRPCNotification n
                        && Wire.METHOD_DISCONNECTED.equals(n.method())) {
                    dropSession(t, "MCP client disconnected", false, true);
                }
            }
            case RPC, CAPABILITY -> onSessionMessage(t, in);
        }
    }

    private void onControl(Inbound in) {
        String clientId = in.senderClientId();
        if (!Wire.isValidId(clientId)) {
            log.warn(
                    "Ignoring message on the control topic without a valid {} user property: {}",
                    Wire.PROP_MQTT_CLIENT_ID,
                    clientId);
            return;
        }
        String replyTopic = Wire.rpc(clientId, serverId(), serverName);
        Decoded decoded = codec.decode(in.payload());
        if (decoded instanceof Invalid invalid) {
            log.warn("Invalid message from {} on the control topic: {}", clientId, invalid.reason());
            if (invalid.answer()) {
                replyError(replyTopic, invalid.id(), invalid.code(), invalid.reason());
            }
            return;
        }
        JSONRPCMessage message = ((Valid) decoded).message();
        if (message instanceof JSONRPCRequest request) {
            if (McpSchema.METHOD_INITIALIZE.equals(request.method())) {
                startSession(clientId, request);
            } else {
                replyError(
                        replyTopic,
                        request.id(),
                        McpSchema.ErrorCodes.INVALID_REQUEST,
                        "Only 'initialize' may be sent on the control topic; send '" + request.method() + "' on "
                                + replyTopic + " after initializing");
            }
            return;
        }
        log.debug("Ignoring {} from {} on the control topic", message, clientId);
    }

    private void startSession(String clientId, JSONRPCRequest initialize) {
        SessionTransport previous = sessions.get(clientId);
        if (previous != null) {
            log.info("MCP client {} initialized again; replacing its session", clientId);
            dropSession(previous, "MCP client initialized again", false, true);
        } else if (sessions.size() >= config.maxSessions()) {
            // every session costs subscriptions and memory: refuse rather than pile them up
            log.warn(
                    "Refusing initialize from MCP client {}: already {} sessions (the maximum)",
                    clientId,
                    sessions.size());
            replyError(
                    Wire.rpc(clientId, serverId(), serverName),
                    initialize.id(),
                    McpMqttException.SERVER_BUSY,
                    "MCP server '" + serverName + "' is busy: it already serves " + config.maxSessions()
                            + " clients; try again later");
            return;
        }
        SessionTransport t = new SessionTransport(clientId);
        t.attach(sessionFactory.create(t));
        sessions.put(clientId, t);
        Duration initTimeout = config.timeouts().forMethod(McpSchema.METHOD_INITIALIZE);
        t.initTimer = Schedulers.parallel()
                .schedule(
                        () -> mqtt.execute(() -> {
                            if (!t.initialized) {
                                log.info(
                                        "MCP client {} did not finish initialize within {}; ending its session",
                                        clientId,
                                        PendingRequests.describe(initTimeout));
                                dropSession(
                                        t,
                                        "no notifications/initialized within " + PendingRequests.describe(initTimeout),
                                        true,
                                        true);
                            }
                        }),
                        initTimeout.toMillis(),
                        TimeUnit.MILLISECONDS);
        routes.put(t.rpcTopic, new Route(t, Kind.RPC));
        routes.put(t.capabilityTopic, new Route(t, Kind.CAPABILITY));
        routes.put(t.presenceTopic, new Route(t, Kind.PRESENCE));
        // subscribe to the client's topics BEFORE answering initialize
        mqtt.subscribe(List.of(
                        new Subscription(t.capabilityTopic, false),
                        new Subscription(t.presenceTopic, false),
                        new Subscription(t.rpcTopic, true)))
                .whenComplete((v, error) -> mqtt.execute(() -> {
                    if (error != null) {
                        log.warn(
                                "Could not subscribe to the topics of MCP client {}: {}", clientId, error.getMessage());
                        replyError(
                                t.rpcTopic,
                                initialize.id(),
                                McpSchema.ErrorCodes.INTERNAL_ERROR,
                                "MCP server could not subscribe to the client's topics");
                        dropSession(t, "subscription failed", false, true);
                        return;
                    }
                    if (!t.closed.get()) {
                        log.debug("MCP client {} initializing", clientId);
                        handle(t, initialize);
                    }
                }));
    }

    private void onSessionMessage(SessionTransport t, Inbound in) {
        Decoded decoded = codec.decode(in.payload());
        if (decoded instanceof Invalid invalid) {
            log.warn("Invalid message from MCP client {} on {}: {}", t.clientId, in.topic(), invalid.reason());
            t.pending.fail(
                    invalid.responseId(),
                    invalid.code(),
                    method -> "The response of MCP client '" + t.clientId + "' to '" + method + "' could not be read: "
                            + invalid.reason());
            if (invalid.answer()) {
                replyError(t.rpcTopic, invalid.id(), invalid.code(), invalid.reason());
            }
            return;
        }
        JSONRPCMessage message = ((Valid) decoded).message();
        if (message instanceof JSONRPCNotification n && Wire.METHOD_DISCONNECTED.equals(n.method())) {
            dropSession(t, "MCP client ended the session", false, true);
            return;
        }
        if (message instanceof JSONRPCNotification n && McpSchema.METHOD_NOTIFICATION_INITIALIZED.equals(n.method())) {
            t.initialized = true;
            t.initTimer.dispose();
        }
        if (message instanceof JSONRPCResponse response && !t.pending.complete(response.id())) {
            log.debug("Dropping response {} from {}: no such pending request", response.id(), t.clientId);
            return;
        }
        if (message instanceof JSONRPCRequest request && !t.inFlight.add(idKey(request.id()))) {
            // JSON-RPC ids name one request: a second one under the same id would run the method twice and make both
            // answers ambiguous
            log.info("MCP client {} sent request id {} again while it is in flight; refused", t.clientId, request.id());
            replyError(
                    t.rpcTopic,
                    request.id(),
                    McpSchema.ErrorCodes.INVALID_REQUEST,
                    "Invalid Request: request id " + request.id() + " is already in flight");
            return;
        }
        handle(t, message);
    }

    /** A request id as a key: JSON numbers and strings are different ids, 7 and 7L the same. */
    private static String idKey(Object id) {
        return (id instanceof String ? "s:" : "n:") + id;
    }

    private void handle(SessionTransport t, JSONRPCMessage message) {
        t.session().handle(message).subscribe(null, e -> {
            if (e instanceof McpMqttException m && m.code() == McpMqttException.CONNECTION_CLOSED) {
                log.debug("Could not answer MCP client {}: {}", t.clientId, e.getMessage());
            } else {
                log.warn("MCP session of client {} failed to handle a message", t.clientId, e);
            }
        });
    }

    private void replyError(String topic, Object id, int code, String message) {
        mqtt.publish(topic, codec.errorResponse(id, code, message), false).exceptionally(e -> {
            log.debug("Could not send error response to {}: {}", topic, e.getMessage());
            return null;
        });
    }

    /** Ends a session; idempotent. */
    private void dropSession(SessionTransport t, String reason, boolean notifyClient, boolean unsubscribe) {
        if (!t.closed.compareAndSet(false, true)) {
            return;
        }
        log.debug("Ending session of MCP client {}: {}", t.clientId, reason);
        t.initTimer.dispose();
        sessions.remove(t.clientId, t);
        for (String topic : List.of(t.rpcTopic, t.capabilityTopic, t.presenceTopic)) {
            routes.computeIfPresent(topic, (k, r) -> r.session() == t ? null : r);
        }
        t.pending.failAll(
                McpMqttException.CONNECTION_CLOSED,
                method -> "MCP client '" + t.clientId + "' is gone (" + reason + "); request '" + method + "' aborted");
        if (notifyClient && mqtt.isConnected()) {
            mqtt.publish(t.rpcTopic, codec.notification(Wire.METHOD_DISCONNECTED), false)
                    .exceptionally(e -> null);
        }
        if (unsubscribe && mqtt.isConnected() && !sessions.containsKey(t.clientId)) {
            mqtt.unsubscribe(List.of(t.capabilityTopic, t.presenceTopic, t.rpcTopic))
                    .exceptionally(e -> null);
        }
        McpServerSession session = t.session();
        if (session != null) {
            session.closeGracefully().subscribe(null, e -> log.debug("Closing session failed", e));
        }
    }

    private static Throwable unwrap(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** Package-private access for tests. */
    MqttConnection connection() {
        return mqtt;
    }

    // ---------------------------------------------------------------- per-client transport

    /** The SDK's view of one client: everything it sends goes to the client's RPC topic. */
    private final class SessionTransport implements McpServerTransport {

        final String clientId;
        final String rpcTopic;
        final String capabilityTopic;
        final String presenceTopic;
        final AtomicBoolean closed = new AtomicBoolean();
        final PendingRequests pending;
        /** Ends the session unless the client sends notifications/initialized in time. */
        volatile Disposable initTimer = Disposables.disposed();
        /** The client sent notifications/initialized. */
        volatile boolean initialized;
        /** Ids of the client's requests not answered yet. */
        final Set<String> inFlight = ConcurrentHashMap.newKeySet();

        private volatile McpServerSession session;

        SessionTransport(String clientId) {
            this.clientId = clientId;
            this.rpcTopic = Wire.rpc(clientId, serverId(), serverName);
            this.capabilityTopic = Wire.clientCapability(clientId);
            this.presenceTopic = Wire.clientPresence(clientId);
            this.pending = new PendingRequests(
                    config.timeouts(),
                    response -> mqtt.execute(() -> handle(this, response)),
                    (method, timeout) -> log.warn(
                            "MCP client {} did not answer '{}' within {}",
                            clientId,
                            method,
                            PendingRequests.describe(timeout)));
        }

        void attach(McpServerSession session) {
            this.session = session;
        }

        McpServerSession session() {
            return session;
        }

        @Override
        public Mono<Void> sendMessage(JSONRPCMessage message) {
            return Mono.defer(() -> {
                if (closed.get()) {
                    return Mono.error(new McpMqttException(
                            McpMqttException.CONNECTION_CLOSED, "MCP client '" + clientId + "' is not connected"));
                }
                byte[] payload;
                try {
                    payload = codec.encode(message);
                } catch (McpMqttException e) {
                    if (message instanceof JSONRPCResponse response) {
                        // answer the request with an error instead of leaving it hanging
                        payload = codec.errorResponse(
                                response.id(),
                                McpSchema.ErrorCodes.INTERNAL_ERROR,
                                "Response too large: " + e.getMessage());
                    } else {
                        return Mono.error(e);
                    }
                }
                if (message instanceof JSONRPCRequest request) {
                    pending.register(request.id(), request.method());
                } else if (message instanceof JSONRPCResponse response) {
                    inFlight.remove(idKey(response.id()));
                }
                byte[] bytes = payload;
                return Mono.fromFuture(() -> mqtt.publish(rpcTopic, bytes, false))
                        .doOnError(e -> {
                            if (message instanceof JSONRPCRequest request) {
                                pending.remove(request.id());
                            }
                        });
            });
        }

        @Override
        public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
            return codec.mapper().convertValue(data, typeRef);
        }

        @Override
        public Mono<Void> closeGracefully() {
            return Mono.fromRunnable(this::close);
        }

        @Override
        public void close() {
            if (!closed.get()) {
                // the SDK ends the session while the client is still there: tell the client
                mqtt.execute(() -> dropSession(this, "closed by the MCP server", true, true));
            }
        }
    }
}
