package dev.aichatroom.mcp;

import dev.aichatroom.ai.ToolProvider;
import dev.aichatroom.mcp.mqtt.DiscoveredServer;
import dev.aichatroom.mcp.mqtt.McpMqttClientConfig;
import dev.aichatroom.mcp.mqtt.McpMqttException;
import dev.aichatroom.mcp.mqtt.McpMqttServerDiscovery;
import io.micrometer.core.instrument.MeterRegistry;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiPredicate;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tools of the MCP servers found on the broker, for the assistant. Discovers servers by name filter, keeps one
 * session per server instance (its tool list following {@code notifications/tools/list_changed}), drops a server's
 * tools the moment it goes offline, and hands out {@link ToolProvider}s: {@link #forRooms()} for the chat rooms,
 * {@link #forDevice(String)} for one voice device's page.
 *
 * <p>Threading: discovery events arrive on the library's thread and only update the session map; sessions are
 * opened, retried and closed on virtual threads owned here. Tool calls block the calling (virtual) thread.
 */
public final class McpTools implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(McpTools.class);
    /** Waits before the second and third attempt to initialize a session with a server that is online. */
    private static final List<Duration> RETRIES = List.of(Duration.ofSeconds(2), Duration.ofSeconds(10));
    /** How long a session that lost its connection waits before it checks whether its server is still online. */
    private static final Duration REOPEN_DELAY = Duration.ofSeconds(1);
    /** How often the servers other instances saw are read from the {@link ServerDirectory}. */
    static final Duration SHARED_SERVERS_EVERY = Duration.ofSeconds(10);

    private final McpConfig config;
    private final MeterRegistry meters;
    /** Sessions by instance ({@code server-id} and server name, like the presence topic). */
    private final Map<String, ServerSession> sessions = new ConcurrentHashMap<>();
    /** The product's own servers: the assistant does not talk to itself. */
    private final Set<String> ignored = ConcurrentHashMap.newKeySet();

    private final ExecutorService workers = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("mcp-session-", 0).factory());
    private final ToolProvider rooms;
    private volatile McpMqttClientConfig clientConfig;
    private volatile McpMqttServerDiscovery discovery;
    private final CountDownLatch stopping = new CountDownLatch(1);
    private volatile boolean closed;
    private volatile BiPredicate<String, String> sameParty = (device, server) -> true;
    private volatile ServerDirectory directory = ServerDirectory.NONE;
    /** Sessions with servers known only from the directory (their presence is on another broker node). */
    private final Set<String> adopted = ConcurrentHashMap.newKeySet();

    private volatile boolean directoryFailing;

    McpTools(McpConfig config, MeterRegistry meters) {
        this.config = config;
        this.meters = meters;
        this.rooms = config.enabled() && config.roomTools() == McpConfig.RoomTools.ALL
                ? new ScopedTools(this, server -> true)
                : ToolProvider.NONE;
        meters.gauge("mcp.servers", sessions, s -> serverCount());
        meters.gauge("mcp.tools", sessions, s -> toolCount());
    }

    /** The tools the assistant offers in chat rooms ({@code MCP_ROOM_TOOLS}). */
    public ToolProvider forRooms() {
        return rooms;
    }

    /**
     * The tools of the page that belongs to a voice device ({@link DevicePairing}: device {@code …-{suffix}} uses the
     * server named {@code web-ui-hardware-controller/{suffix}}, a page with a separate MCP connection names the device
     * in its presence or shares its random part). Follows those servers as they come and go; no tools while offline.
     */
    public ToolProvider forDevice(String deviceId) {
        java.util.function.Predicate<DiscoveredServer> pairs = DevicePairing.of(config, deviceId);
        return new ScopedTools(this, server -> pairs.test(server) && sameParty.test(deviceId, server.serverId()));
    }

    /**
     * Where clients log in, a device's page tools must also belong to the device's owner: {@code sameParty} gets the
     * device's client id and a server instance's id (its MQTT client id). The binding by name alone lets anyone who
     * reads a page's server name from its presence call that page's camera from a device id of their own.
     */
    public void bindDevicesTo(BiPredicate<String, String> sameParty) {
        this.sameParty = sameParty;
    }

    /**
     * Instances of a scale-out share the servers they discover through {@code directory}: each records what it sees
     * announced and withdrawn, and opens sessions with the servers recorded by the others (on a broker cluster their
     * presence may be on another node). Call before the discovery starts.
     */
    public void shareServersThrough(ServerDirectory directory) {
        this.directory = directory;
    }

    /** The tools of the servers with exactly this name (all their instances). */
    public ToolProvider forServer(String serverName) {
        return new ScopedTools(this, server -> server.serverName().equals(serverName));
    }

    /** Leaves this server instance alone (one of the product's own). */
    void ignore(String serverId) {
        ignored.add(serverId);
    }

    /**
     * Connects the discovery (blocking, up to {@code timeout}); servers already online are reported shortly after.
     *
     * @throws McpMqttException when the broker cannot be reached
     */
    void start(McpMqttClientConfig clientConfig, Duration timeout) {
        this.clientConfig = clientConfig;
        McpMqttServerDiscovery d = McpMqttServerDiscovery.create(clientConfig);
        d.addListener(new McpMqttServerDiscovery.Listener() {
            @Override
            public void serverOnline(DiscoveredServer server) {
                online(server);
            }

            @Override
            public void serverOffline(DiscoveredServer server) {
                offline(server);
            }

            @Override
            public void serverWithdrawn(String serverId, String serverName) {
                withdrawn(serverId, serverName);
            }
        });
        discovery = d;
        try {
            d.start().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof McpMqttException m
                    ? m
                    : new McpMqttException(
                            McpMqttException.CONNECTION_CLOSED, e.getCause().toString(), e.getCause());
        } catch (TimeoutException e) {
            d.stop();
            throw new McpMqttException(
                    McpMqttException.CONNECTION_CLOSED,
                    "no connection to the broker within " + timeout.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            d.stop();
            throw new McpMqttException(McpMqttException.CONNECTION_CLOSED, "interrupted while connecting");
        }
        if (directory != ServerDirectory.NONE) {
            run(this::adoptSharedServers);
        }
        LOG.info(
                "MCP: looking for tool servers named {}; {}",
                d.serverNameFilters(),
                config.roomTools() == McpConfig.RoomTools.ALL
                        ? "the assistant offers their tools in chat rooms"
                        : "their tools serve only their own voice calls (MCP_ROOM_TOOLS=none)");
    }

    private static String key(DiscoveredServer server) {
        return server.serverId() + " " + server.serverName();
    }

    /** On the discovery's thread: never blocks. */
    private void online(DiscoveredServer server) {
        if (closed || ignored.contains(server.serverId())) {
            return;
        }
        adopted.remove(key(server)); // its presence is on our node now
        if (directory != ServerDirectory.NONE) {
            run(() -> shared(() -> directory.announced(server)));
        }
        open(server);
    }

    /** Opens a session with a server instance, unless one is open or opening. */
    private void open(DiscoveredServer server) {
        ServerSession current = sessions.get(key(server));
        if (current != null
                && (current.state() == ServerSession.State.READY
                        || current.state() == ServerSession.State.CONNECTING)) {
            if (current.state() == ServerSession.State.READY
                    && !current.server().equals(server)) {
                // announced again with a changed presence: maybe a restart that forgot our session
                run(() -> reopenIfStale(current, server, "announced itself again"));
            }
            return; // announced again with the same presence: the session goes on
        }
        ServerSession fresh = new ServerSession(server, clientConfig, () -> toolsChanged(server));
        ServerSession old = sessions.put(key(server), fresh);
        run(() -> {
            if (old != null) {
                old.close();
            }
            open(fresh);
        });
    }

    /**
     * A session whose connection closed while its server's presence still says online (e.g. only our connection
     * dropped) is replaced by a new one; when the server really left, its offline event removes the session anyway.
     */
    private void reopenIfStillOnline(ServerSession dead) {
        run(() -> {
            try {
                // the offline event travels on the discovery's own connection: give it time to arrive
                if (stopping.await(REOPEN_DELAY.toMillis(), TimeUnit.MILLISECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
            DiscoveredServer server = dead.server();
            McpMqttServerDiscovery d = discovery;
            boolean present = adopted.contains(key(server))
                    || d != null
                            && d.servers(server.serverName()).stream()
                                    .anyMatch(s -> s.serverId().equals(server.serverId()));
            ServerSession fresh = new ServerSession(server, clientConfig, () -> toolsChanged(server));
            if (present && sessions.replace(key(server), dead, fresh)) {
                LOG.info("MCP server {} ({}) is still online: reconnecting", server.serverName(), server.serverId());
                dead.close();
                open(fresh);
            }
        });
    }

    /**
     * Pings the server of a session that may be stale (a call timed out, or the server announced itself anew) and
     * replaces the session when the ping fails; on a worker thread.
     */
    private void reopenIfStale(ServerSession suspect, DiscoveredServer announced, String why) {
        if (sessions.get(key(announced)) != suspect || suspect.ping()) {
            return;
        }
        ServerSession fresh = new ServerSession(announced, clientConfig, () -> toolsChanged(announced));
        if (!closed && sessions.replace(key(announced), suspect, fresh)) {
            LOG.info(
                    "MCP server {} ({}) {} and did not answer ping: reopening the session",
                    announced.serverName(),
                    announced.serverId(),
                    why);
            suspect.close();
            open(fresh);
        }
    }

    /**
     * On the discovery's thread: an empty presence. A server known only from the directory goes now (the discovery
     * never knew it, so no offline event follows), and the directory forgets it.
     */
    private void withdrawn(String serverId, String serverName) {
        DiscoveredServer server = new DiscoveredServer(serverId, serverName, "", Map.of());
        if (adopted.remove(key(server))) {
            offline(server);
        }
        if (directory != ServerDirectory.NONE) {
            run(() -> shared(() -> directory.withdrawn(serverId, serverName)));
        }
    }

    /**
     * Every {@link #SHARED_SERVERS_EVERY} until closed: opens sessions with the servers the other instances recorded
     * that this instance's discovery has not seen (their presence is retained on another broker node).
     */
    private void adoptSharedServers() {
        do {
            shared(() -> {
                McpMqttServerDiscovery d = discovery;
                for (DiscoveredServer server : directory.all()) {
                    boolean known = sessions.containsKey(key(server))
                            || (d != null && d.server(server.serverId()).isPresent());
                    if (!known && !closed && !ignored.contains(server.serverId()) && adopted.add(key(server))) {
                        LOG.info(
                                "MCP server {} ({}) announced itself where another instance saw it; opening a session",
                                server.serverName(),
                                server.serverId());
                        open(server);
                    }
                }
            });
            try {
                if (stopping.await(SHARED_SERVERS_EVERY.toMillis(), TimeUnit.MILLISECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
        } while (true);
    }

    /** Runs a directory operation; a failing database is logged once, not on every attempt. */
    private void shared(Runnable operation) {
        try {
            operation.run();
            if (directoryFailing) {
                directoryFailing = false;
                LOG.info("MCP: sharing discovered servers with the other instances again");
            }
        } catch (RuntimeException e) {
            if (!directoryFailing) {
                directoryFailing = true;
                LOG.warn("MCP: cannot share discovered servers with the other instances: {}", e.getMessage());
            }
        }
    }

    /** On the discovery's thread: the tools go at once; pending calls already failed in the transport. */
    private void offline(DiscoveredServer server) {
        ServerSession gone = sessions.remove(key(server));
        if (gone != null) {
            LOG.info("MCP server {} ({}) went offline; its tools are gone", server.serverName(), server.serverId());
            run(gone::close);
        }
    }

    private void run(Runnable task) {
        try {
            workers.execute(task);
        } catch (RejectedExecutionException stopping) {
            // closing: every session is closed by close()
        }
    }

    private void open(ServerSession session) {
        DiscoveredServer server = session.server();
        for (int attempt = 0; ; attempt++) {
            try {
                session.open();
                if (session.state() == ServerSession.State.READY) {
                    LOG.info(
                            "MCP server {} ({}) online with tools {}",
                            server.serverName(),
                            server.serverId(),
                            session.tools().stream().map(McpSchema.Tool::name).toList());
                }
                return;
            } catch (RuntimeException e) {
                if (sessions.get(key(server)) != session || session.state() == ServerSession.State.CLOSED) {
                    return;
                }
                if (attempt >= RETRIES.size() && adopted.remove(key(server))) {
                    // known only from the directory: most likely gone without anyone seeing its will
                    sessions.remove(key(server), session);
                    session.close();
                    shared(() -> directory.withdrawn(server.serverId(), server.serverName()));
                    LOG.info(
                            "MCP server {} ({}), recorded by another instance, did not initialize: {}; forgotten",
                            server.serverName(),
                            server.serverId(),
                            e.getMessage());
                    return;
                }
                if (attempt >= RETRIES.size()) {
                    LOG.warn(
                            "MCP server {} ({}) is online but did not initialize: {}; its tools stay unavailable until"
                                    + " it announces itself again",
                            server.serverName(),
                            server.serverId(),
                            e.getMessage());
                    return;
                }
                LOG.info("MCP server {} did not initialize ({}); retrying", server.serverName(), e.getMessage());
                try {
                    if (stopping.await(RETRIES.get(attempt).toMillis(), TimeUnit.MILLISECONDS)) {
                        return;
                    }
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    private void toolsChanged(DiscoveredServer server) {
        ServerSession s = sessions.get(key(server));
        LOG.info(
                "MCP server {} ({}) changed its tools: {}",
                server.serverName(),
                server.serverId(),
                s == null
                        ? List.of()
                        : s.tools().stream().map(McpSchema.Tool::name).toList());
    }

    /** The ready servers' tools in scope, named for the model. */
    List<ToolNames.Named> catalog(Predicate<DiscoveredServer> scope) {
        List<ToolNames.Entry> entries = new ArrayList<>();
        for (ServerSession s : sessions.values()) {
            if (scope.test(s.server())) {
                s.tools()
                        .forEach(t -> entries.add(new ToolNames.Entry(
                                s.server().serverId(), s.server().serverName(), t)));
            }
        }
        return ToolNames.assign(entries);
    }

    boolean isOnline(ToolNames.Target target) {
        return sessions.containsKey(target.serverId() + " " + target.serverName());
    }

    /**
     * Runs one tool call (blocking). Never throws: every failure comes back as {@code error: …} text the model can
     * explain, e.g. when the server went offline during the call.
     */
    String call(ToolNames.Target target, String argumentsJson) {
        String tool = target.toolName();
        String server = target.serverName();
        Map<String, Object> arguments;
        try {
            arguments = ToolFormats.arguments(argumentsJson);
        } catch (IllegalArgumentException e) {
            return outcome("invalid", "error: " + e.getMessage());
        }
        ServerSession session = sessions.get(target.serverId() + " " + server);
        if (session == null || session.state() != ServerSession.State.READY) {
            return outcome(
                    "offline", "error: MCP server '" + server + "' is offline, so '" + tool + "' is not available");
        }
        try {
            McpSchema.CallToolResult result = session.call(tool, arguments);
            return outcome(Boolean.TRUE.equals(result.isError()) ? "tool_error" : "ok", ToolFormats.resultText(result));
        } catch (RuntimeException e) {
            int code = mcpError(e).map(McpTools::code).orElse(0);
            LOG.info("MCP tool {} on {} ({}) failed: {}", tool, server, target.serverId(), e.getMessage());
            if (code == McpMqttException.CONNECTION_CLOSED || session.state() == ServerSession.State.CLOSED) {
                // its tools go now, not when the offline event arrives on the discovery's connection: the model's
                // next round, which starts as soon as this returns, must not be offered them
                session.lost();
                reopenIfStillOnline(session);
                return outcome(
                        "offline",
                        "error: MCP server '" + server + "' went offline during the call; '" + tool
                                + "' did not finish");
            }
            if (code == McpMqttException.REQUEST_TIMEOUT) {
                run(() -> reopenIfStale(session, session.server(), "did not answer '" + tool + "' in time"));
                return outcome(
                        "timeout",
                        "error: '" + tool + "' on MCP server '" + server + "' did not answer within "
                                + config.toolTimeout().toSeconds() + " s");
            }
            return outcome("failed", "error: '" + tool + "' on MCP server '" + server + "' failed: " + e.getMessage());
        }
    }

    private String outcome(String outcome, String text) {
        meters.counter("mcp.tool.calls", "outcome", outcome).increment();
        return text;
    }

    private static Optional<McpError> mcpError(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof McpError m) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    private static int code(McpError error) {
        return error.getJsonRpcError() == null ? 0 : error.getJsonRpcError().code();
    }

    /** Server instances with a ready session. */
    int serverCount() {
        return (int) sessions.values().stream()
                .filter(s -> s.state() == ServerSession.State.READY)
                .count();
    }

    /** Tools of the ready sessions. */
    int toolCount() {
        return sessions.values().stream().mapToInt(s -> s.tools().size()).sum();
    }

    /** The ready servers, each with its number of tools, by name: {@code web-ui-hardware-controller/a: 4 tools}. */
    List<String> serverSummaries() {
        return sessions.values().stream()
                .filter(s -> s.state() == ServerSession.State.READY)
                .sorted(Comparator.comparing((ServerSession s) -> s.server().serverName())
                        .thenComparing(s -> s.server().serverId()))
                .map(s -> s.server().serverName() + ": " + s.tools().size()
                        + (s.tools().size() == 1 ? " tool" : " tools"))
                .toList();
    }

    /** False while the discovery (started) has lost its MQTT connection; true before it started or after it stopped. */
    boolean discoveryConnected() {
        McpMqttServerDiscovery d = discovery;
        return d == null || closed || d.isConnected();
    }

    List<String> serverNameFilters() {
        McpMqttServerDiscovery d = discovery;
        return d == null ? config.serverNameFilters() : d.serverNameFilters();
    }

    /** Stops discovery and ends every session (each tells its server it is leaving). */
    @Override
    public void close() {
        closed = true;
        stopping.countDown();
        McpMqttServerDiscovery d = discovery;
        if (d != null) {
            try {
                d.stop().get(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                LOG.debug("MCP discovery did not stop cleanly: {}", e.toString());
            }
        }
        List<ServerSession> open = List.copyOf(sessions.values());
        sessions.clear();
        open.forEach(s -> run(s::close));
        workers.shutdown();
        try {
            if (!workers.awaitTermination(5, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
