package dev.aichatroom.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aichatroom.chat.Clocks;
import dev.aichatroom.mqtt.Json;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * {@code POST /api/mqtt/token {"client_id"}}: a short-lived MQTT credential for that client id. Anyone who reaches
 * the HTTP API may ask (the chat room is open to its visitors); each IP address gets a few per minute. The first
 * browser to ask for an id owns it ({@link ClientIdOwners}; the browser is known by an HttpOnly cookie this route
 * sets): another browser asking for it gets 409, so no visitor can take over another's connection or device.
 */
public final class TokenRoutes implements Consumer<RoutesConfig> {
    /** What an MQTT client id may look like here at all: no topic characters, no spaces. */
    static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");

    /**
     * The client ids the product's pages make (web/src/chat/ids.ts, web/src/voice/ids.ts), the only ones tokens are
     * for: the chat page's {@code web_<identity>_<random>}, the voice page's call {@code voice_<identity>-<random>}
     * and its MCP server {@code voicemcp_<identity>-<random>}.
     */
    static final Pattern BROWSER_CLIENT_ID =
            Pattern.compile("(web_[a-z0-9]{8,16}_|voice_[a-z0-9]{8,16}-|voicemcp_[a-z0-9]{8,16}-)[a-z0-9]{4,16}");

    /**
     * {@link #BROWSER_CLIENT_ID} as client id patterns ({@code *} = any run): no account may own an id of these
     * shapes, or it would own the pages' connections.
     */
    public static final List<String> BROWSER_CLIENT_ID_SHAPES = List.of("web_*", "voice_*", "voicemcp_*");

    static final String OWNER_COOKIE = "aichatroom_owner";
    private static final Pattern OWNER_VALUE = Pattern.compile("[A-Za-z0-9_-]{43}");
    private static final int OWNER_COOKIE_SECONDS = 365 * 24 * 3600;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final MqttTokens tokens;
    private final ClientIdOwners owners;
    private final Predicate<String> reserved;
    private final Clock clock;
    private final PerIpLimiter perIp;

    /**
     * @param reserved the client ids no token may be issued for although they look like a page's: an account's
     *     (by its client id rules) or the service's
     */
    public TokenRoutes(
            MqttTokens tokens, ClientIdOwners owners, Predicate<String> reserved, int perMinute, Clock clock) {
        this.tokens = tokens;
        this.reserved = reserved;
        this.owners = owners;
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
        if (!BROWSER_CLIENT_ID.matcher(id.asText()).matches()) {
            throw new ApiError(
                    403,
                    "NOT_A_BROWSER_CLIENT_ID",
                    "tokens are for the client ids the product's pages make (web_<identity>_<random>,"
                            + " voice_<identity>-<random>, voicemcp_<identity>-<random>); devices log in with an"
                            + " account");
        }
        if (reserved.test(id.asText())) {
            throw new ApiError(403, "CLIENT_ID_RESERVED", "this client id belongs to an account or to the service");
        }
        if (!owners.claim(id.asText(), owner(ctx))) {
            throw new ApiError(
                    409, "CLIENT_ID_TAKEN", "another browser uses this MQTT client id; connect with a new random one");
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

    /** This browser's owner key: a digest of its cookie, which is set here on its first token. */
    private static String owner(Context ctx) {
        String value = ctx.cookie(OWNER_COOKIE);
        if (value == null || !OWNER_VALUE.matcher(value).matches()) {
            byte[] random = new byte[32];
            RANDOM.nextBytes(random);
            value = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            ctx.cookie(new Cookie(
                    OWNER_COOKIE,
                    value,
                    "/api/mqtt",
                    OWNER_COOKIE_SECONDS,
                    ctx.req().isSecure(),
                    true,
                    null,
                    SameSite.STRICT));
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
