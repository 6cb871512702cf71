package dev.aichatroom.mcp;

import dev.aichatroom.chat.ChatException;
import dev.aichatroom.chat.ChatMessage;
import dev.aichatroom.chat.ChatService;
import dev.aichatroom.chat.Member;
import dev.aichatroom.chat.Topics;
import dev.aichatroom.mcp.mqtt.McpMqttServerConfig;
import dev.aichatroom.mcp.mqtt.McpMqttServerTransportProvider;
import dev.aichatroom.mqtt.Json;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;

/**
 * One chat room offered as an MCP server over MQTT ({@code ai-chatroom/{room}}), so that other agents can use it:
 * {@code send_message}, {@code list_users}, {@code get_history}. Each tool takes an optional {@code room} (default:
 * this server's room). Messages sent here are ordinary {@code user_message}s with {@code source} {@code mcp}: they are
 * stored, published on {@code messages/out} and may call the assistant.
 */
final class ChatRoomServer implements AutoCloseable {
    static final String SOURCE = "mcp";
    static final int MAX_HISTORY = 100;
    static final int DEFAULT_HISTORY = 20;
    private static final Duration POST_TIMEOUT = Duration.ofSeconds(10);

    private final ChatService chat;
    private final String room;
    private final McpMqttServerTransportProvider provider;
    private final McpSyncServer server;

    ChatRoomServer(ChatService chat, String room, McpMqttServerConfig config) {
        this.chat = chat;
        this.room = room;
        this.provider = new McpMqttServerTransportProvider(config);
        this.server = McpServer.sync(provider)
                .serverInfo("ai-chatroom", "1.0.0")
                .instructions("The AI Chatroom room '" + room + "': read who is here and what was said, and post"
                        + " messages. Mention @AI in a message to ask the room's assistant.")
                .requestTimeout(config.timeouts().sdkRequestTimeout())
                .capabilities(
                        McpSchema.ServerCapabilities.builder().tools(false).build())
                .tools(sendMessage(), listUsers(), getHistory())
                .build();
    }

    /** Connects and announces the server (blocking, up to {@code timeout}). */
    void start(Duration timeout) throws ExecutionException, TimeoutException, InterruptedException {
        provider.start().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    String serverId() {
        return provider.serverId();
    }

    String serverName() {
        return provider.serverName();
    }

    boolean isRunning() {
        return provider.isRunning();
    }

    /** Whether its MQTT connection is up right now (false while it reconnects). */
    boolean isConnected() {
        return provider.isConnected();
    }

    private static Map<String, Object> objectSchema(Map<String, Object> properties, List<String> required) {
        Map<String, Object> schema = new LinkedHashMap<>();
        schema.put("type", "object");
        schema.put("properties", properties);
        schema.put("required", required);
        schema.put("additionalProperties", false);
        return schema;
    }

    private Map<String, Object> roomProperty() {
        return Map.of("type", "string", "description", "The room; default '" + room + "'");
    }

    private SyncToolSpecification sendMessage() {
        return tool(
                "send_message",
                "Post a message to the chat room, as a user_message everyone in the room sees. Mention @AI to ask"
                        + " the room's assistant.",
                objectSchema(
                        Map.of(
                                "room", roomProperty(),
                                "text",
                                        Map.of(
                                                "type",
                                                "string",
                                                "description",
                                                "The message, at most "
                                                        + chat.config().maxMessageChars() + " characters"),
                                "username",
                                        Map.of(
                                                "type",
                                                "string",
                                                "description",
                                                "The name shown with the message; default: your client name")),
                        List.of("text")),
                (exchange, args) -> {
                    String to = roomOf(args);
                    String text = string(args, "text").orElse("");
                    if (text.isBlank()) {
                        throw new Refused("text must not be empty");
                    }
                    if (text.length() > chat.config().maxMessageChars()) {
                        throw new Refused("text is longer than " + chat.config().maxMessageChars() + " characters");
                    }
                    String username = string(args, "username")
                            .map(String::strip)
                            .filter(u -> !u.isEmpty())
                            .orElseGet(() -> clientName(exchange));
                    if (username.length() > chat.config().maxUsernameChars()) {
                        throw new Refused(
                                "username is longer than " + chat.config().maxUsernameChars() + " characters");
                    }
                    ChatMessage posted = post(to, clientId(exchange), username, text);
                    return Map.of(
                            "message_id", posted.messageId(), "room", posted.room(), "timestamp", posted.timestamp());
                });
    }

    private SyncToolSpecification listUsers() {
        return tool(
                "list_users",
                "The users in the chat room right now, oldest member first.",
                objectSchema(Map.of("room", roomProperty()), List.of()),
                (exchange, args) -> {
                    String of = roomOf(args);
                    List<Map<String, Object>> users = chat.membersOf(of).stream()
                            .sorted(Comparator.comparing(Member::joinTime))
                            .map(ChatRoomServer::user)
                            .toList();
                    return Map.of("room", of, "users", users);
                });
    }

    private SyncToolSpecification getHistory() {
        return tool(
                "get_history",
                "The chat room's latest messages, oldest first.",
                objectSchema(
                        Map.of(
                                "room", roomProperty(),
                                "limit",
                                        Map.of(
                                                "type",
                                                "integer",
                                                "minimum",
                                                1,
                                                "maximum",
                                                MAX_HISTORY,
                                                "description",
                                                "How many messages; default " + DEFAULT_HISTORY)),
                        List.of()),
                (exchange, args) -> {
                    String of = roomOf(args);
                    int limit = limit(args.get("limit"));
                    return Map.of("room", of, "messages", chat.history(of, Optional.empty(), limit));
                });
    }

    /** A tool whose handler returns a value for a JSON text result, or throws {@link Refused} for an error result. */
    private static SyncToolSpecification tool(
            String name,
            String description,
            Map<String, Object> schema,
            BiFunction<McpSyncServerExchange, Map<String, Object>, Object> handler) {
        return SyncToolSpecification.builder()
                .tool(McpSchema.Tool.builder(name, schema)
                        .description(description)
                        .build())
                .callHandler((exchange, request) -> {
                    Map<String, Object> args = request.arguments() == null ? Map.of() : request.arguments();
                    try {
                        return McpSchema.CallToolResult.builder()
                                .addTextContent(Json.string(handler.apply(exchange, args)))
                                .isError(false)
                                .build();
                    } catch (Refused e) {
                        return McpSchema.CallToolResult.builder()
                                .addTextContent(e.getMessage())
                                .isError(true)
                                .build();
                    }
                })
                .build();
    }

    private ChatMessage post(String to, String clientId, String username, String text) {
        try {
            return chat.postLimited(to, clientId, username, text, SOURCE)
                    .get(POST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new Refused(
                    e.getCause() instanceof ChatException c
                            ? c.getMessage()
                            : "the message could not be posted: " + e.getCause());
        } catch (TimeoutException e) {
            throw new Refused("the chat service did not take the message in time; try again");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Refused("the chat service is stopping");
        }
    }

    private String roomOf(Map<String, Object> args) {
        String r = string(args, "room")
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .orElse(room);
        if (!Topics.isValidRoom(r)) {
            throw new Refused("'" + r + "' is not a room: " + Topics.ROOM_RULE);
        }
        return r;
    }

    private static Optional<String> string(Map<String, Object> args, String name) {
        Object value = args.get(name);
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof String s)) {
            throw new Refused(name + " must be a string");
        }
        return Optional.of(s);
    }

    private static int limit(Object value) {
        if (value == null) {
            return DEFAULT_HISTORY;
        }
        if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
            long l = n.longValue();
            if (l >= 1 && l <= MAX_HISTORY) {
                return (int) l;
            }
        }
        throw new Refused("limit must be a whole number from 1 to " + MAX_HISTORY);
    }

    /** The chat client id of an MCP session's messages. */
    private String clientId(McpSyncServerExchange exchange) {
        String id = "mcp-" + exchange.sessionId();
        return id.length() <= chat.config().maxClientIdChars()
                ? id
                : id.substring(0, chat.config().maxClientIdChars());
    }

    /** The name the calling agent gave in {@code initialize}, cut to the username limit. */
    private String clientName(McpSyncServerExchange exchange) {
        McpSchema.Implementation info = exchange.getClientInfo();
        String name = info == null || info.name() == null || info.name().isBlank()
                ? "mcp-agent"
                : info.name().strip();
        int max = chat.config().maxUsernameChars();
        return name.length() <= max ? name : name.substring(0, max);
    }

    private static Map<String, Object> user(Member m) {
        Map<String, Object> u = new LinkedHashMap<>();
        u.put("client_id", m.clientId());
        u.put("username", m.username());
        u.put("source", m.source());
        u.put("join_time", m.joinTime());
        u.put("message_count", m.messageCount());
        return u;
    }

    /** Clears the presence, then disconnects; agents' pending calls fail at once. */
    @Override
    public void close() {
        server.closeGracefully();
    }

    /** A call the tool refuses, reported to the agent as an {@code isError} result. */
    private static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message, null, false, false);
        }
    }
}
