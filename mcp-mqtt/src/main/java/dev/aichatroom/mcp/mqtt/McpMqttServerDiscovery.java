package dev.aichatroom.mcp.mqtt;

import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import dev.aichatroom.mcp.mqtt.MqttConnection.Inbound;
import dev.aichatroom.mcp.mqtt.MqttConnection.Subscription;
import io.modelcontextprotocol.json.McpJsonDefaults;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds MCP servers by watching their retained presence topics ({@code $mcp-server/presence/+/{filter}}) and
 * reports them coming online and going offline.
 *
 * <pre>{@code
 * var discovery = McpMqttServerDiscovery.create(clientConfig);   // filters e.g. "web-ui-hardware-controller/#"
 * discovery.addListener(new McpMqttServerDiscovery.Listener() {
 *     public void serverOnline(DiscoveredServer s) { ... }
 *     public void serverOffline(DiscoveredServer s) { ... }
 * });
 * discovery.start().join();
 * for (DiscoveredServer s : discovery.servers()) {
 *     McpSyncClient client = McpClient.sync(discovery.transportFor(s)).build();
 * }
 * }</pre>
 *
 * <p>It holds its own MQTT connection (component type {@code mcp-client}); server name filters suggested by the
 * broker in CONNACK ({@code MCP-SERVER-NAME-FILTERS}) replace the configured ones, read again on every reconnect. An empty presence payload (the
 * server's will or its graceful stop, also when a broker keeps it as an empty retained message) means the server
 * is gone. When the connection to the broker drops, every known server is reported offline; after the automatic
 * reconnect the retained presences report them online again.
 */
public final class McpMqttServerDiscovery implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(McpMqttServerDiscovery.class);

    /**
     * Told about servers coming and going. Called in order on an internal thread; do not block in it. A server
     * that announces itself again (for example with a new description) is reported online again.
     */
    public interface Listener {
        default void serverOnline(DiscoveredServer server) {}

        default void serverOffline(DiscoveredServer server) {}

        /**
         * An empty presence arrived for a server instance: it withdrew (graceful stop or will), whether or not this
         * discovery knew it. Called before {@link #serverOffline} (which follows only for a known server, and also
         * when the connection drops). Lets a client that learnt of servers some other way, such as a peer connected
         * to another node of a broker cluster that keeps retained messages per node, forget them.
         */
        default void serverWithdrawn(String serverId, String serverName) {}
    }

    private final McpMqttClientConfig config;
    private final JsonRpcCodec codec;
    private final MqttConnection mqtt;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    /** Instances by presence topic: a server id is one instance of one server name. */
    private final ConcurrentHashMap<String, DiscoveredServer> servers = new ConcurrentHashMap<>();

    private final AtomicBoolean started = new AtomicBoolean();
    private volatile List<String> filters;
    private volatile Map<String, String> rbacRoles = Map.of();

    private McpMqttServerDiscovery(McpMqttClientConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.codec = new JsonRpcCodec(McpJsonDefaults.getMapper(), config.maxPayloadBytes());
        this.filters = config.serverNameFilters();
        String clientId = config.clientIdPrefix() + "-discovery-"
                + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
        this.mqtt = new MqttConnection(
                config.connection(),
                clientId,
                Wire.COMPONENT_CLIENT,
                new String(codec.write(config.meta()), StandardCharsets.UTF_8),
                config.maxPayloadBytes(),
                true,
                true,
                this::onMessage,
                new MqttConnection.Listener() {
                    @Override
                    public void connectionLost(Throwable cause) {
                        forgetAll();
                    }

                    @Override
                    public void reconnected(Mqtt5ConnAck connAck) {
                        log.info("Server discovery reconnected to the MQTT broker");
                        adoptHints(connAck);
                    }
                });
    }

    /** True while the discovery's MQTT connection is up (it reconnects by itself after a loss). */
    public boolean isConnected() {
        return mqtt.isConnected();
    }

    public static McpMqttServerDiscovery create(McpMqttClientConfig config) {
        return new McpMqttServerDiscovery(config);
    }

    public McpMqttServerDiscovery addListener(Listener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    public void removeListener(Listener listener) {
        listeners.remove(listener);
    }

    /** Connects and subscribes to the presence topics; servers already online are reported shortly after. */
    public CompletableFuture<Void> start() {
        if (!started.compareAndSet(false, true)) {
            return CompletableFuture.failedFuture(new IllegalStateException("Already started"));
        }
        byte[] disconnected = codec.notification(Wire.METHOD_DISCONNECTED);
        return mqtt.connect(new MqttConnection.Will(Wire.clientPresence(mqtt.clientId()), disconnected, false))
                .thenCompose(connAck -> {
                    readHints(connAck);
                    return mqtt.subscribe(presenceSubscriptions(filters));
                })
                .whenComplete((v, error) -> {
                    if (error != null) {
                        mqtt.disconnect();
                    }
                })
                .exceptionallyCompose(error -> {
                    Throwable cause =
                            error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                    return CompletableFuture.failedFuture(new McpMqttException(
                            McpMqttException.CONNECTION_CLOSED,
                            "Could not start MCP server discovery on "
                                    + config.connection().host() + ":"
                                    + config.connection().port() + ": " + cause.getMessage(),
                            cause));
                });
    }

    /**
     * Reads the broker's suggestions from a CONNACK (the first one and every one after a reconnect): its
     * {@code MCP-SERVER-NAME-FILTERS} replace the configured filters, and without them the configured ones apply
     * again; {@code MCP-RBAC} replaces the roles. Returns the filters in use before.
     */
    private List<String> readHints(Mqtt5ConnAck connAck) {
        ConnackHints hints = ConnackHints.from(connAck.getUserProperties(), codec);
        List<String> before = filters;
        List<String> now = hints.serverNameFilters().isEmpty() ? config.serverNameFilters() : hints.serverNameFilters();
        if (!hints.serverNameFilters().isEmpty() && !now.equals(before)) {
            log.info("Using server name filters suggested by the broker: {}", now);
        }
        filters = now;
        rbacRoles = hints.rbacRoles();
        return before;
    }

    /**
     * After a reconnect (on the connection's executor): the client library has subscribed again to the filters of
     * before; when the broker now suggests others, move the presence subscriptions over and forget servers that no
     * longer match.
     */
    private void adoptHints(Mqtt5ConnAck connAck) {
        List<String> before = readHints(connAck);
        List<String> now = filters;
        if (now.equals(before)) {
            return;
        }
        log.info("Server name filters changed on reconnect: {} -> {}", before, now);
        List<String> dropped = before.stream()
                .filter(f -> !now.contains(f))
                .map(Wire::serverPresenceFilter)
                .toList();
        List<Subscription> added = presenceSubscriptions(
                now.stream().filter(f -> !before.contains(f)).toList());
        mqtt.unsubscribe(dropped)
                .thenCompose(v -> added.isEmpty() ? CompletableFuture.completedFuture(null) : mqtt.subscribe(added))
                .whenComplete((v, e) -> {
                    if (e != null) {
                        log.warn("Could not move the presence subscriptions to {}: {}", now, e.getMessage());
                    }
                });
        for (Map.Entry<String, DiscoveredServer> e : List.copyOf(servers.entrySet())) {
            if (!matchesFilters(e.getValue().serverName()) && servers.remove(e.getKey(), e.getValue())) {
                listeners.forEach(l -> notify(() -> l.serverOffline(e.getValue())));
            }
        }
    }

    private static List<Subscription> presenceSubscriptions(List<String> serverNameFilters) {
        return serverNameFilters.stream()
                .map(f -> new Subscription(Wire.serverPresenceFilter(f), false))
                .toList();
    }

    private boolean matchesFilters(String serverName) {
        return filters.stream().anyMatch(f -> Wire.matchesFilter(f, serverName));
    }

    /** The servers online now, ordered by name then id. */
    public List<DiscoveredServer> servers() {
        return servers.values().stream()
                .sorted(Comparator.comparing(DiscoveredServer::serverName).thenComparing(DiscoveredServer::serverId))
                .toList();
    }

    /** The online instances of one server name. */
    public List<DiscoveredServer> servers(String serverName) {
        return servers().stream().filter(s -> s.serverName().equals(serverName)).toList();
    }

    /** The online server with this server id. */
    public Optional<DiscoveredServer> server(String serverId) {
        return servers.values().stream()
                .filter(s -> s.serverId().equals(serverId))
                .findFirst();
    }

    /** The server name filters in use (configured, or suggested by the broker). */
    public List<String> serverNameFilters() {
        return filters;
    }

    /** Roles by server name, from the broker's {@code MCP-RBAC} CONNACK property (empty if none). */
    public Map<String, String> rbacRoles() {
        return rbacRoles;
    }

    /** A client transport to a discovered server, with this discovery's configuration. */
    public McpMqttClientTransport transportFor(DiscoveredServer server) {
        return McpMqttClientTransport.create(config, server);
    }

    /** Disconnects; known servers are forgotten without offline events. */
    public CompletableFuture<Void> stop() {
        return mqtt.disconnect().whenComplete((v, e) -> servers.clear());
    }

    @Override
    public void close() {
        stop().join();
    }

    private void onMessage(Inbound in) {
        Optional<Wire.ServerRef> ref = Wire.parseServerPresence(in.topic());
        if (ref.isEmpty()) {
            return;
        }
        String serverId = ref.get().serverId();
        String serverName = ref.get().serverName();
        if (!Wire.isValidId(serverId) || !Wire.isValidServerName(serverName)) {
            log.warn("Ignoring presence on {}: invalid server id or name", in.topic());
            return;
        }
        if (in.payload().length > 0 && !matchesFilters(serverName)) {
            // e.g. a retained presence on a filter of before a reconnect, not yet unsubscribed
            log.debug("Ignoring presence of '{}': outside the server name filters {}", serverName, filters);
            return;
        }
        if (in.payload().length == 0) {
            listeners.forEach(l -> notify(() -> l.serverWithdrawn(serverId, serverName)));
            DiscoveredServer gone = servers.remove(in.topic());
            if (gone != null) {
                log.debug("MCP server '{}' ({}) offline", gone.serverName(), serverId);
                listeners.forEach(l -> notify(() -> l.serverOffline(gone)));
            }
            return;
        }
        DiscoveredServer online = parseOnline(serverId, serverName, in.payload());
        if (online == null) {
            return;
        }
        servers.put(in.topic(), online);
        log.debug("MCP server '{}' ({}) online", serverName, serverId);
        listeners.forEach(l -> notify(() -> l.serverOnline(online)));
    }

    private DiscoveredServer parseOnline(String serverId, String serverName, byte[] payload) {
        if (payload.length > config.maxPayloadBytes()) {
            log.warn("Ignoring oversized presence of MCP server {} ({} bytes)", serverId, payload.length);
            return null;
        }
        if (!(codec.readTree(payload) instanceof Map<?, ?> msg)
                || !Wire.METHOD_SERVER_ONLINE.equals(msg.get("method"))) {
            log.warn("Ignoring presence of MCP server {} that is not {}", serverId, Wire.METHOD_SERVER_ONLINE);
            return null;
        }
        String description = "";
        Map<String, Object> meta = Map.of();
        if (msg.get("params") instanceof Map<?, ?> params) {
            if (params.get("description") instanceof String d) {
                description = d;
            }
            if (params.get("meta") instanceof Map<?, ?> m) {
                @SuppressWarnings("unchecked")
                Map<String, Object> typed = (Map<String, Object>) m;
                meta = typed;
            }
            if (params.get("server_name") instanceof String announced && !announced.equals(serverName)) {
                log.debug("MCP server {} announces name '{}' on topic of '{}'", serverId, announced, serverName);
            }
        }
        return new DiscoveredServer(serverId, serverName, description, meta);
    }

    private void forgetAll() {
        for (String id : List.copyOf(servers.keySet())) {
            DiscoveredServer gone = servers.remove(id);
            if (gone != null) {
                listeners.forEach(l -> notify(() -> l.serverOffline(gone)));
            }
        }
    }

    private static void notify(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            log.warn("MCP server discovery listener failed", e);
        }
    }

    /** Package-private access for tests. */
    MqttConnection connection() {
        return mqtt;
    }
}
