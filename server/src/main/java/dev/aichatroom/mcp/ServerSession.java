package dev.aichatroom.mcp;

import dev.aichatroom.mcp.mqtt.DiscoveredServer;
import dev.aichatroom.mcp.mqtt.McpMqttClientConfig;
import dev.aichatroom.mcp.mqtt.McpMqttClientTransport;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The assistant's MCP session with one discovered server instance: initialized once, its tool list kept current
 * through {@code notifications/tools/list_changed}. Opened and closed on virtual threads, never in a discovery
 * callback; {@link #call} may run on many threads at once.
 */
final class ServerSession {
    enum State {
        CONNECTING,
        READY,
        FAILED,
        CLOSED
    }

    private static final String CLIENT_NAME = "ai-chatroom";
    private static final String CLIENT_VERSION = "1.0.0";

    private final DiscoveredServer server;
    private final McpMqttClientConfig config;
    private final Runnable toolsChanged;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile McpSyncClient client;
    private volatile State state = State.CONNECTING;
    private volatile List<McpSchema.Tool> tools = List.of();

    /** @param toolsChanged told after the tool list changed (on the SDK's thread: do not block) */
    ServerSession(DiscoveredServer server, McpMqttClientConfig config, Runnable toolsChanged) {
        this.server = server;
        this.config = config;
        this.toolsChanged = toolsChanged;
    }

    DiscoveredServer server() {
        return server;
    }

    State state() {
        return state;
    }

    /** The server's tools while the session is ready; empty otherwise. */
    List<McpSchema.Tool> tools() {
        return state == State.READY ? tools : List.of();
    }

    /**
     * Connects, initializes and lists the tools (blocking, up to the initialize timeout); may be called again after
     * it failed. A session closed meanwhile stays closed.
     *
     * @throws RuntimeException (an SDK {@code McpError} mostly) when the server does not answer properly
     */
    void open() {
        McpSyncClient c = McpClient.sync(McpMqttClientTransport.create(config, server))
                .clientInfo(McpSchema.Implementation.builder(CLIENT_NAME, CLIENT_VERSION)
                        .build())
                .requestTimeout(config.timeouts().sdkRequestTimeout())
                .initializationTimeout(config.timeouts().sdkInitializationTimeout())
                .toolsChangeConsumer(this::replaceTools)
                .build();
        lock.lock();
        try {
            if (state == State.CLOSED) {
                return;
            }
            state = State.CONNECTING;
            client = c;
        } finally {
            lock.unlock();
        }
        try {
            McpSchema.InitializeResult init = c.initialize();
            List<McpSchema.Tool> listed =
                    init.capabilities() != null && init.capabilities().tools() != null
                            ? c.listTools().tools()
                            : List.of();
            tools = listed == null ? List.of() : List.copyOf(listed);
            if (state == State.CONNECTING) {
                state = State.READY;
            }
        } catch (RuntimeException e) {
            if (state == State.CONNECTING) {
                state = State.FAILED;
            }
            closeClient();
            throw e;
        }
    }

    /**
     * Calls one tool (blocking, up to the tools/call timeout).
     *
     * @throws RuntimeException an SDK {@code McpError} when the call fails (server offline, timeout, protocol error)
     */
    McpSchema.CallToolResult call(String tool, Map<String, Object> arguments) {
        McpSyncClient c = client;
        if (state != State.READY || c == null) {
            throw new IllegalStateException("the session with " + server.serverName() + " is " + state);
        }
        return c.callTool(
                McpSchema.CallToolRequest.builder(tool).arguments(arguments).build());
    }

    /**
     * Pings the server (blocking, up to the ping timeout): false when the session is not ready or the server does
     * not answer, e.g. because it restarted under the same id and no longer knows this session.
     */
    boolean ping() {
        McpSyncClient c = client;
        if (state != State.READY || c == null) {
            return false;
        }
        try {
            c.ping();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Marks the session as no longer usable (its server or the connection to it went away during a call): it offers no
     * tools from now on. Does not block; whoever replaces or removes the session closes it.
     */
    void lost() {
        state = State.CLOSED;
    }

    /** Ends the session (sends {@code notifications/disconnected} if still connected). Blocking; idempotent. */
    void close() {
        state = State.CLOSED;
        closeClient();
    }

    private void closeClient() {
        McpSyncClient c;
        lock.lock();
        try {
            c = client;
            client = null;
        } finally {
            lock.unlock();
        }
        if (c != null) {
            try {
                c.closeGracefully();
            } catch (RuntimeException e) {
                // the server is gone already; nothing left to tell it
            }
        }
    }

    private void replaceTools(List<McpSchema.Tool> changed) {
        tools = changed == null ? List.of() : List.copyOf(changed);
        toolsChanged.run();
    }
}
