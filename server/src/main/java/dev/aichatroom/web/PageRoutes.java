package dev.aichatroom.web;

import dev.aichatroom.chat.ChatConfig;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@code GET /api/config}: what the chat page needs before it connects, above all where MQTT over WebSocket is.
 *
 * @param wsPort the embedded broker's WebSocket port, used when {@link WebConfig#mqttWsUrl()} is not set; empty when
 *     there is none (an external broker without {@code MQTT_WS_URL})
 * @param authRequired whether the broker wants credentials, so the page asks {@code /api/mqtt/token} first
 * @param tokensAccepted whether the broker takes the tokens of {@code /api/mqtt/token} (the embedded broker, in every
 *     mode): the voice page then logs its call in with one even where it need not, so that its call gets one of the
 *     slots anonymous devices cannot take ({@code VOICE_RESERVED_SESSIONS})
 * @param assistantEnabled whether an assistant answers (false with {@code AI_PROVIDER=none}): the page then shows no
 *     assistant among the members and offers no {@code @AI}
 * @param iceServers the STUN/TURN servers of {@code VOICE_ICE_SERVERS} as entries of a browser's
 *     {@code RTCConfiguration.iceServers}: the voice page's peer needs them as much as the server's does
 */
public record PageRoutes(
        WebConfig web,
        ChatConfig chat,
        Optional<Integer> wsPort,
        boolean authRequired,
        boolean tokensAccepted,
        boolean assistantEnabled,
        List<Map<String, Object>> iceServers)
        implements Consumer<RoutesConfig> {

    public PageRoutes {
        iceServers = List.copyOf(iceServers);
    }

    @Override
    public void accept(RoutesConfig routes) {
        routes.get("/api/config", this::config);
    }

    private void config(Context ctx) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put(
                "mqtt_ws_url",
                web.mqttWsUrl().or(() -> wsPort.map(p -> wsUrl(ctx, p))).orElse(null));
        body.put("default_room", chat.defaultRoom());
        body.put("auth_required", authRequired);
        body.put("tokens_accepted", tokensAccepted);
        body.put("assistant_name", web.assistantName());
        body.put("assistant_enabled", assistantEnabled);
        body.put("max_message_chars", chat.maxMessageChars());
        body.put("max_username_chars", chat.maxUsernameChars());
        // a member the service cannot tie to a connection (external broker) leaves after this much silence: the page
        // joins again well before, so that a reader who never writes stays listed
        body.put("member_idle_seconds", chat.idleTimeout().toSeconds());
        body.put("ice_servers", iceServers);
        ctx.header("Cache-Control", "no-store");
        HttpServer.json(ctx, body);
    }

    /** {@code ws://<the host the browser used>:<port>/mqtt}, {@code wss:} behind a TLS proxy. */
    static String wsUrl(Context ctx, int port) {
        String proto = Optional.ofNullable(ctx.header("X-Forwarded-Proto")).orElse(ctx.scheme());
        return (proto.equalsIgnoreCase("https") ? "wss" : "ws") + "://" + hostOnly(ctx.host()) + ":" + port + "/mqtt";
    }

    /** The host of a {@code Host} header without its port: {@code example.com:5000} → {@code example.com}. */
    static String hostOnly(String hostHeader) {
        if (hostHeader == null || hostHeader.isBlank()) {
            return "localhost";
        }
        String h = hostHeader.strip();
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end > 0 && h.substring(0, end + 1).matches("\\[[0-9A-Fa-f:.]{2,45}]")
                    ? h.substring(0, end + 1)
                    : "localhost";
        }
        int colon = h.indexOf(':');
        String host = colon >= 0 ? h.substring(0, colon) : h;
        return host.matches("[A-Za-z0-9.-]{1,253}") ? host : "localhost";
    }
}
