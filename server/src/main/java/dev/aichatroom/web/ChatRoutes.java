package dev.aichatroom.web;

import com.fasterxml.jackson.databind.node.NullNode;
import dev.aichatroom.chat.ChatService;
import dev.aichatroom.chat.ChatStatus;
import dev.aichatroom.chat.Clocks;
import dev.aichatroom.chat.Member;
import dev.aichatroom.chat.Topics;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/** {@code GET /mqtt/status} in the seed's shape and {@code GET /api/rooms/{room}/messages}. */
public final class ChatRoutes implements Consumer<RoutesConfig> {
    static final int MAX_HISTORY = 500;

    private final ChatService chat;
    private final Clock clock;

    public ChatRoutes(ChatService chat, Clock clock) {
        this.chat = chat;
        this.clock = clock;
    }

    @Override
    public void accept(RoutesConfig routes) {
        routes.get("/mqtt/status", this::status);
        routes.get("/api/rooms/{room}/messages", this::history);
    }

    private void status(Context ctx) {
        ChatStatus s = chat.status();
        Map<String, Object> mqtt = new LinkedHashMap<>();
        mqtt.put("is_connected", s.connected());
        mqtt.put("is_running", s.running());
        mqtt.put("broker_info", s.brokerInfo());
        mqtt.put("mqtt_users_count", s.users().size());
        mqtt.put("messages_received", s.messagesReceived());
        mqtt.put("messages_sent", s.messagesSent());
        // the seed's shape always has both fields: null until there is a time (the JSON codec omits absent values)
        mqtt.put("connect_time", s.connectTime().<Object>map(t -> t).orElse(NullNode.getInstance()));
        mqtt.put("last_message_time", s.lastMessageTime().<Object>map(t -> t).orElse(NullNode.getInstance()));
        mqtt.put("active_topics", s.activeTopics());
        mqtt.put("mqtt_users", s.users().stream().map(ChatRoutes::user).toList());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", true);
        body.put("mqtt_status", mqtt);
        body.put("timestamp", Clocks.timestamp(clock));
        HttpServer.json(ctx, body);
    }

    private static Map<String, Object> user(Member m) {
        Map<String, Object> u = new LinkedHashMap<>();
        u.put("client_id", m.clientId());
        u.put("username", m.username());
        u.put("join_time", m.joinTime());
        u.put("message_count", m.messageCount());
        return u;
    }

    private void history(Context ctx) {
        String room = ctx.pathParam("room");
        if (!Topics.isValidRoom(room)) {
            throw new ApiError(400, "INVALID_ROOM", Topics.ROOM_RULE);
        }
        int limit = limit(ctx.queryParam("limit"));
        Optional<String> before = Optional.ofNullable(ctx.queryParam("before")).filter(b -> !b.isBlank());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", true);
        body.put("room", room);
        body.put("messages", chat.history(room, before, limit));
        HttpServer.json(ctx, body);
    }

    private static int limit(String raw) {
        if (raw == null || raw.isBlank()) {
            return 50;
        }
        try {
            int n = Integer.parseInt(raw);
            if (n >= 1 && n <= MAX_HISTORY) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new ApiError(400, "INVALID_LIMIT", "limit must be a number from 1 to " + MAX_HISTORY);
    }
}
