package dev.aichatroom.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aichatroom.chat.Clocks;
import dev.aichatroom.mqtt.Json;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * {@code POST /api/mqtt/token {"client_id"}}: a short-lived MQTT credential for that client id. Anyone who reaches
 * the HTTP API may ask (the chat room is open to its visitors); each IP address gets a few per minute.
 */
public final class TokenRoutes implements Consumer<RoutesConfig> {
    /** What a browser's MQTT client id may look like: no topic characters, no spaces. */
    static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");

    private final MqttTokens tokens;
    private final Clock clock;
    private final PerIpLimiter perIp;

    public TokenRoutes(MqttTokens tokens, int perMinute, Clock clock) {
        this.tokens = tokens;
        this.clock = clock;
        this.perIp = new PerIpLimiter(perMinute);
    }

    @Override
    public void accept(RoutesConfig routes) {
        routes.post("/api/mqtt/token", this::issue);
    }

    private void issue(Context ctx) {
        if (!perIp.allowed(ctx.ip())) {
            ctx.header("Retry-After", "20");
            throw new ApiError(429, "RATE_LIMITED", "too many MQTT tokens asked from this address; try again soon");
        }
        JsonNode body = Json.tree(ctx.bodyAsBytes()).filter(JsonNode::isObject).orElse(null);
        JsonNode id = body == null ? null : body.get("client_id");
        if (id == null || !id.isTextual() || !CLIENT_ID.matcher(id.asText()).matches()) {
            throw new ApiError(400, "INVALID_CLIENT_ID", "send {\"client_id\":\"…\"}: 1-128 of A-Z a-z 0-9 _ . : -");
        }
        MqttTokens.Token token = tokens.issue(id.asText());
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("username", token.username());
        answer.put("password", token.password());
        answer.put("client_id", id.asText());
        answer.put("expires_at", Clocks.format(OffsetDateTime.ofInstant(token.expiresAt(), clock.getZone())));
        ctx.header("Cache-Control", "no-store");
        HttpServer.json(ctx, answer);
    }
}
