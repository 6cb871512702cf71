package dev.aichatroom.mcp;

import dev.aichatroom.chat.ChatService;
import dev.aichatroom.mcp.mqtt.McpMqttClientConfig;
import dev.aichatroom.mcp.mqtt.McpMqttServerConfig;
import dev.aichatroom.mcp.mqtt.McpMqttTimeouts;
import dev.aichatroom.mcp.mqtt.MqttConnectionConfig;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MCP over MQTT in the product (PROTOCOL.md §5): the {@link McpTools} the assistant uses, and the chat rooms offered as
 * MCP servers ({@code ai-chatroom/{room}}). Both use their own MQTT connections (the {@code mcp-mqtt} library opens
 * them) to the product's broker, with the service's account.
 *
 * <p>MCP is optional: when it cannot start, the chat goes on and {@link #status()} says why.
 */
public final class McpService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(McpService.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    /** Servers named on {@code /health}; the count covers all. */
    private static final int MAX_LISTED = 20;

    /** MCP's state for {@code /health}. */
    public record Status(State state, String detail) {
        public enum State {
            UP,
            DEGRADED,
            DISABLED
        }
    }

    private final McpConfig config;
    private final ChatService chat;
    private final String instanceId;
    private final McpTools tools;
    private final List<ChatRoomServer> rooms = new CopyOnWriteArrayList<>();
    private final List<String> problems = new CopyOnWriteArrayList<>();
    private volatile boolean started;
    private volatile Thread starter;

    /**
     * @param instanceId this product instance's MQTT client id; the MCP connections' ids derive from it
     */
    public McpService(McpConfig config, ChatService chat, String instanceId, MeterRegistry meters) {
        this.config = config;
        this.chat = chat;
        this.instanceId = instanceId;
        this.tools = new McpTools(config, meters);
    }

    /** The discovered tools; without tools while MCP is disabled or not started. */
    public McpTools tools() {
        return tools;
    }

    /**
     * Offers the chat rooms as MCP servers and starts discovering tool servers, on the broker at {@code connection}, in
     * the background: the first use of the MCP SDK costs a second or two of class loading on a cold JVM, which the
     * chat need not wait for. A failure is logged and shown in {@link #status()}, never thrown: the chat works without
     * MCP.
     */
    public void start(MqttConnectionConfig connection) {
        if (!config.enabled()) {
            LOG.info("MCP disabled (MCP_ENABLE=false)");
            return;
        }
        started = true;
        starter = Thread.ofVirtual().name("mcp-start").start(() -> {
            try {
                startAll(connection);
            } catch (RuntimeException e) {
                problem("did not start: " + e);
            }
        });
    }

    private void startAll(MqttConnectionConfig connection) {
        long t0 = System.nanoTime();
        McpMqttTimeouts timeouts = McpMqttTimeouts.defaults().withMethod("tools/call", config.toolTimeout());
        for (String room : config.chatRoomRooms()) {
            if (Thread.currentThread().isInterrupted()) {
                return; // stopping
            }
            startRoom(connection, room, timeouts);
        }
        if (Thread.currentThread().isInterrupted()) {
            return;
        }
        McpMqttClientConfig client = McpMqttClientConfig.builder(connection)
                .clientIdPrefix(instanceId + "-mcp")
                .serverNameFilters(config.serverNameFilters())
                .meta(Map.of("product", "ai-chatroom"))
                .timeouts(timeouts)
                .build();
        try {
            tools.start(client, START_TIMEOUT);
        } catch (RuntimeException e) {
            problem("tool discovery did not start: " + e.getMessage());
        }
        LOG.info("MCP started in {} ms", (System.nanoTime() - t0) / 1_000_000);
    }

    private void startRoom(MqttConnectionConfig connection, String room, McpMqttTimeouts timeouts) {
        String name = config.chatRoomServerNameOf(room);
        McpMqttServerConfig server = McpMqttServerConfig.builder(connection, name)
                .serverId(instanceId + "-mcp-" + room)
                .description("AI Chatroom room '" + room + "': send messages, list users, read history")
                .meta(Map.of("room", room))
                .timeouts(timeouts)
                .build();
        tools.ignore(server.serverId());
        ChatRoomServer s = new ChatRoomServer(chat, room, server);
        try {
            s.start(START_TIMEOUT);
            rooms.add(s);
            LOG.info("MCP: room {} is offered as MCP server {}", room, s.serverName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // stopping
            s.close();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            s.close();
            Throwable why = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            problem("room " + room + " is not offered as MCP server " + name + ": " + why);
        }
    }

    private void problem(String problem) {
        problems.add(problem);
        LOG.warn("MCP: {}", problem);
    }

    public Status status() {
        if (!config.enabled()) {
            return new Status(Status.State.DISABLED, "MCP_ENABLE=false");
        }
        if (!started) {
            return new Status(Status.State.DISABLED, "no MQTT (MQTT_ENABLE=false)");
        }
        List<String> parts = new ArrayList<>();
        Thread t = starter;
        if (t != null && t.isAlive()) {
            parts.add("starting");
        }
        List<String> servers = tools.serverSummaries();
        String listed = servers.size() <= MAX_LISTED
                ? String.join(", ", servers)
                : String.join(", ", servers.subList(0, MAX_LISTED)) + ", …";
        parts.add(count(tools.serverCount(), "server") + ", " + count(tools.toolCount(), "tool") + " online ("
                + String.join(", ", tools.serverNameFilters()) + ")" + (servers.isEmpty() ? "" : ": " + listed));
        List<String> serving = rooms.stream()
                .filter(r -> r.isRunning() && r.isConnected())
                .map(ChatRoomServer::serverName)
                .toList();
        if (!serving.isEmpty()) {
            parts.add("serving " + String.join(", ", serving));
        }
        List<String> cutOff = new ArrayList<>();
        rooms.stream().filter(r -> r.isRunning() && !r.isConnected()).forEach(r -> cutOff.add(r.serverName()));
        if (!tools.discoveryConnected()) {
            cutOff.add("tool discovery");
        }
        if (!cutOff.isEmpty()) {
            parts.add("disconnected from the broker, reconnecting: " + String.join(", ", cutOff));
        }
        parts.addAll(problems);
        boolean healthy = problems.isEmpty() && cutOff.isEmpty();
        return new Status(healthy ? Status.State.UP : Status.State.DEGRADED, String.join("; ", parts));
    }

    private static String count(int n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }

    /** Withdraws the rooms' servers (presence cleared first), then ends the tool sessions. */
    @Override
    public void close() {
        Thread t = starter;
        if (t != null && t.isAlive()) {
            t.interrupt(); // connecting waits are interruptible; what started is closed below
            try {
                t.join(START_TIMEOUT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        rooms.forEach(ChatRoomServer::close);
        rooms.clear();
        tools.close();
    }
}
