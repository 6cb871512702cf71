package dev.aichatroom.mcp.mqtt;

import dev.aichatroom.mcp.mqtt.JsonRpcCodec.Decoded;
import dev.aichatroom.mcp.mqtt.JsonRpcCodec.Invalid;
import dev.aichatroom.mcp.mqtt.JsonRpcCodec.Valid;
import dev.aichatroom.mcp.mqtt.MqttConnection.Inbound;
import dev.aichatroom.mcp.mqtt.MqttConnection.Subscription;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCMessage;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCNotification;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCRequest;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * The client side of MCP over MQTT for one server instance, for use with the SDK's {@code McpClient}.
 *
 * <pre>{@code
 * var transport = McpMqttClientTransport.create(clientConfig, discoveredServer);
 * McpSyncClient client = McpClient.sync(transport)
 *         .requestTimeout(clientConfig.timeouts().sdkRequestTimeout())
 *         .initializationTimeout(clientConfig.timeouts().sdkInitializationTimeout())
 *         .build();
 * client.initialize();
 * client.callTool(new McpSchema.CallToolRequest("control_camera", Map.of("enabled", true)));
 * client.closeGracefully();
 * }</pre>
 *
 * <p>Every {@link #connect connect} (the SDK calls it once per initialization) opens a new MQTT connection with a
 * fresh {@code mcp-client-id} as its client id and a {@code notifications/disconnected} will on the client's
 * presence topic, and subscribes to the server's presence, its capability topic and the RPC topic (No Local)
 * before {@code initialize} goes out on the server's control topic. Everything after that travels on the RPC
 * topic, except {@code notifications/roots/list_changed}, which goes to the client's capability topic.
 *
 * <p>When the server goes offline (empty retained presence, its will, or {@code notifications/disconnected}), every
 * pending request fails at once with an {@code McpError} of code {@link McpMqttException#CONNECTION_CLOSED} and the
 * connection is closed; later requests fail the same way. Requests without an answer fail after their
 * {@link McpMqttTimeouts per-method timeout} with code {@link McpMqttException#REQUEST_TIMEOUT}; an unanswered
 * {@code ping} also ends the connection, as the specification requires.
 */
public final class McpMqttClientTransport implements McpClientTransport {

    private static final Logger log = LoggerFactory.getLogger(McpMqttClientTransport.class);

    private final McpMqttClientConfig config;
    private final String serverId;
    private final String serverName;
    private final JsonRpcCodec codec;
    private final String metaJson;
    private final AtomicReference<Connection> current = new AtomicReference<>();
    private volatile boolean closed;
    private volatile Consumer<Throwable> exceptionHandler = t -> {};

    private McpMqttClientTransport(McpMqttClientConfig config, String serverId, String serverName) {
        this.config = Objects.requireNonNull(config, "config");
        this.serverId = Wire.requireValidId(serverId, "server-id");
        this.serverName = Wire.requireValidServerName(serverName);
        this.codec = new JsonRpcCodec(McpJsonDefaults.getMapper(), config.maxPayloadBytes());
        this.metaJson = new String(codec.write(config.meta()), StandardCharsets.UTF_8);
    }

    /** A transport to a discovered server instance. */
    public static McpMqttClientTransport create(McpMqttClientConfig config, DiscoveredServer server) {
        return new McpMqttClientTransport(config, server.serverId(), server.serverName());
    }

    /** A transport to the server instance with this server id and name. */
    public static McpMqttClientTransport create(McpMqttClientConfig config, String serverId, String serverName) {
        return new McpMqttClientTransport(config, serverId, serverName);
    }

    public String serverId() {
        return serverId;
    }

    public String serverName() {
        return serverName;
    }

    /** The mcp-client-id (MQTT client id) of the current connection, if any. */
    public Optional<String> mcpClientId() {
        Connection c = current.get();
        return c == null ? Optional.empty() : Optional.of(c.clientId);
    }

    /** True while the current connection is up and the server has not gone offline. */
    public boolean isConnected() {
        Connection c = current.get();
        return c != null && c.ready.isDone() && !c.ready.isCompletedExceptionally() && c.closedReason.get() == null;
    }

    @Override
    public Mono<Void> connect(Function<Mono<JSONRPCMessage>, Mono<JSONRPCMessage>> handler) {
        return Mono.defer(() -> {
            if (closed) {
                return Mono.error(new McpMqttException(
                        McpMqttException.CONNECTION_CLOSED, "MCP over MQTT client transport is closed"));
            }
            Connection fresh = new Connection(handler);
            Connection previous = current.getAndSet(fresh);
            CompletableFuture<Void> prior = previous == null
                    ? CompletableFuture.completedFuture(null)
                    : previous.end("MCP client initializing again", true, true);
            return Mono.fromFuture(prior.exceptionally(e -> null).thenCompose(v -> fresh.open()));
        });
    }

    @Override
    public Mono<Void> sendMessage(JSONRPCMessage message) {
        return Mono.defer(() -> {
            Connection c = current.get();
            if (c == null) {
                return Mono.error(new McpMqttException(
                        McpMqttException.CONNECTION_CLOSED,
                        closed ? "MCP over MQTT client transport is closed" : "MCP over MQTT transport not connected"));
            }
            return Mono.fromFuture(() -> c.ready.thenCompose(v -> c.send(message)));
        });
    }

    /** Sends {@code notifications/disconnected} on the client's presence topic and disconnects. */
    @Override
    public Mono<Void> closeGracefully() {
        return Mono.defer(() -> {
            closed = true;
            Connection c = current.getAndSet(null);
            return c == null ? Mono.empty() : Mono.fromFuture(c.end("MCP client closed", true, false));
        });
    }

    @Override
    public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
        return codec.mapper().convertValue(data, typeRef);
    }

    @Override
    public void setExceptionHandler(Consumer<Throwable> handler) {
        this.exceptionHandler = handler == null ? t -> {} : handler;
    }

    /** Package-private access for tests. */
    Optional<MqttConnection> connection() {
        Connection c = current.get();
        return c == null ? Optional.empty() : Optional.of(c.mqtt);
    }

    private String describeServer() {
        return "MCP server '" + serverName + "' (server-id " + serverId + ")";
    }

    /** How often a {@code …/list_changed} notification of one kind is passed on to the SDK at most. */
    static final Duration LIST_CHANGED_INTERVAL = Duration.ofSeconds(1);

    /** The debounce state of one list_changed method. */
    private static final class ListChanged {
        long lastDelivered;
        boolean trailing;
        int dropped;
    }

    /** One MQTT connection = one mcp-client-id = one initialization. */
    private final class Connection {

        final String clientId;
        final Function<Mono<JSONRPCMessage>, Mono<JSONRPCMessage>> handler;
        final MqttConnection mqtt;
        final PendingRequests pending;
        final CompletableFuture<Void> ready = new CompletableFuture<>();
        final AtomicReference<String> closedReason = new AtomicReference<>();
        final String controlTopic = Wire.serverControl(serverId, serverName);
        final String serverCapabilityTopic = Wire.serverCapability(serverId, serverName);
        final String serverPresenceTopic = Wire.serverPresence(serverId, serverName);
        final String rpcTopic;
        final String clientPresenceTopic;
        final String clientCapabilityTopic;
        /** Per list_changed method; touched only on the connection's executor. */
        final Map<String, ListChanged> listChanged = new HashMap<>();

        Connection(Function<Mono<JSONRPCMessage>, Mono<JSONRPCMessage>> handler) {
            this.clientId = config.clientIdPrefix() + "-"
                    + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
            this.handler = handler;
            this.rpcTopic = Wire.rpc(clientId, serverId, serverName);
            this.clientPresenceTopic = Wire.clientPresence(clientId);
            this.clientCapabilityTopic = Wire.clientCapability(clientId);
            this.mqtt = new MqttConnection(
                    config.connection(),
                    clientId,
                    Wire.COMPONENT_CLIENT,
                    metaJson,
                    config.maxPayloadBytes(),
                    false,
                    false,
                    this::onMessage,
                    new MqttConnection.Listener() {
                        @Override
                        public void connectionLost(Throwable cause) {
                            String reason = "Connection to the MQTT broker lost";
                            end(reason, false, true);
                            exceptionHandler.accept(
                                    new McpMqttException(McpMqttException.CONNECTION_CLOSED, reason, cause));
                        }
                    });
            this.pending = new PendingRequests(
                    config.timeouts(), response -> mqtt.execute(() -> deliver(response)), (method, timeout) -> {
                        if (McpSchema.METHOD_PING.equals(method)) {
                            mqtt.execute(() -> end(
                                    describeServer() + " did not answer ping within "
                                            + PendingRequests.describe(timeout),
                                    true,
                                    true));
                        }
                    });
        }

        CompletableFuture<Void> open() {
            byte[] disconnected = codec.notification(Wire.METHOD_DISCONNECTED);
            mqtt.connect(new MqttConnection.Will(clientPresenceTopic, disconnected, false))
                    .thenCompose(ack -> mqtt.subscribe(List.of(
                            new Subscription(serverPresenceTopic, false),
                            new Subscription(serverCapabilityTopic, false),
                            new Subscription(rpcTopic, true))))
                    .whenComplete((v, error) -> {
                        if (error == null) {
                            log.debug("MCP client {} connected for {}", clientId, describeServer());
                            ready.complete(null);
                            return;
                        }
                        Throwable cause = error instanceof CompletionException && error.getCause() != null
                                ? error.getCause()
                                : error;
                        String reason = "Could not connect to the MQTT broker at "
                                + config.connection().host() + ":"
                                + config.connection().port() + " for " + describeServer() + ": " + cause.getMessage();
                        closedReason.compareAndSet(null, reason);
                        mqtt.disconnect();
                        ready.completeExceptionally(
                                new McpMqttException(McpMqttException.CONNECTION_CLOSED, reason, cause));
                    });
            return ready;
        }

        CompletableFuture<Void> send(JSONRPCMessage message) {
            String reason = closedReason.get();
            if (reason != null) {
                return CompletableFuture.failedFuture(new McpMqttException(McpMqttException.CONNECTION_CLOSED, reason));
            }
            byte[] payload;
            try {
                payload = codec.encode(message);
            } catch (McpMqttException e) {
                return CompletableFuture.failedFuture(e);
            }
            String topic = rpcTopic;
            if (message instanceof JSONRPCRequest request) {
                if (McpSchema.METHOD_INITIALIZE.equals(request.method())) {
                    topic = controlTopic;
                }
                pending.register(request.id(), request.method());
            } else if (message instanceof JSONRPCNotification n
                    && McpSchema.METHOD_NOTIFICATION_ROOTS_LIST_CHANGED.equals(n.method())) {
                topic = clientCapabilityTopic;
            }
            return mqtt.publish(topic, payload, false).whenComplete((v, e) -> {
                if (e != null && message instanceof JSONRPCRequest request) {
                    pending.remove(request.id());
                }
            });
        }

        /** Inbound, on the connection's executor. */
        void onMessage(Inbound in) {
            if (closedReason.get() != null) {
                return;
            }
            if (in.topic().equals(serverPresenceTopic)) {
                if (in.payload().length == 0) {
                    end(describeServer() + " went offline", true, true);
                }
                return;
            }
            Decoded decoded = codec.decode(in.payload());
            if (decoded instanceof Invalid invalid) {
                log.warn("Invalid message from {} on {}: {}", describeServer(), in.topic(), invalid.reason());
                // a response we cannot read: fail its request now rather than after its timeout
                pending.fail(
                        invalid.responseId(),
                        invalid.code(),
                        method -> "The response of " + describeServer() + " to '" + method + "' could not be read: "
                                + invalid.reason());
                if (invalid.answer()) {
                    mqtt.publish(rpcTopic, codec.errorResponse(invalid.id(), invalid.code(), invalid.reason()), false)
                            .exceptionally(e -> null);
                }
                return;
            }
            JSONRPCMessage message = ((Valid) decoded).message();
            if (message instanceof JSONRPCNotification n && Wire.METHOD_DISCONNECTED.equals(n.method())) {
                end(describeServer() + " ended the session", false, true);
                return;
            }
            if (message instanceof JSONRPCResponse response && !pending.complete(response.id())) {
                log.debug("Dropping response {} from {}: no such pending request", response.id(), describeServer());
                return;
            }
            if (message instanceof JSONRPCNotification n && n.method().endsWith("/list_changed")) {
                listChanged(n);
                return;
            }
            deliver(message);
        }

        /**
         * At most one {@code notifications/…/list_changed} of each kind per {@link #LIST_CHANGED_INTERVAL} reaches the
         * SDK, which answers each with a {@code …/list} request: the first at once, the others of the interval as one,
         * at its end (so the client still ends on the latest list). A server that floods notifications costs one
         * request a second, no threads and no queue. On the connection's executor.
         */
        private void listChanged(JSONRPCNotification n) {
            long now = System.nanoTime();
            ListChanged state = listChanged.computeIfAbsent(n.method(), m -> new ListChanged());
            if (state.trailing) {
                state.dropped++;
                return;
            }
            long wait = state.lastDelivered + LIST_CHANGED_INTERVAL.toNanos() - now;
            if (state.lastDelivered == 0 || wait <= 0) {
                state.lastDelivered = now;
                deliver(n);
                return;
            }
            state.trailing = true;
            CompletableFuture.delayedExecutor(wait, TimeUnit.NANOSECONDS, mqtt::execute)
                    .execute(() -> {
                        state.trailing = false;
                        state.lastDelivered = System.nanoTime();
                        if (state.dropped > 0) {
                            log.debug(
                                    "{} sent {} more {} within {}; passed on as one",
                                    describeServer(),
                                    state.dropped,
                                    n.method(),
                                    LIST_CHANGED_INTERVAL);
                            state.dropped = 0;
                        }
                        if (closedReason.get() == null) {
                            deliver(n);
                        }
                    });
        }

        void deliver(JSONRPCMessage message) {
            handler.apply(Mono.just(message))
                    .subscribe(null, e -> log.warn("MCP client session failed to handle {}", message, e));
        }

        /**
         * Ends this connection once: fails (or forgets) pending requests, optionally sends
         * {@code notifications/disconnected} on the client's presence topic, then disconnects.
         */
        CompletableFuture<Void> end(String reason, boolean sendDisconnected, boolean failPending) {
            if (!closedReason.compareAndSet(null, reason)) {
                return CompletableFuture.completedFuture(null);
            }
            if (failPending) {
                log.info("{}; failing {} pending request(s)", reason, pending.size());
                pending.failAll(McpMqttException.CONNECTION_CLOSED, m -> reason + "; request '" + m + "' aborted");
            } else {
                pending.clear();
            }
            CompletableFuture<Void> bye = sendDisconnected && mqtt.isConnected()
                    ? mqtt.publish(clientPresenceTopic, codec.notification(Wire.METHOD_DISCONNECTED), false)
                            .orTimeout(5, TimeUnit.SECONDS)
                            .exceptionally(e -> null)
                    : CompletableFuture.completedFuture(null);
            return bye.thenCompose(v -> mqtt.disconnect());
        }
    }
}
