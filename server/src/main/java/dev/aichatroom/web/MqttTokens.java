package dev.aichatroom.web;

import dev.aichatroom.broker.Authenticator;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Short-lived MQTT credentials for browsers: the HTTP API issues them, the embedded broker accepts them. A token is
 * {@code <expiry epoch seconds>.<HMAC-SHA256 over client id and expiry>}; it lets exactly one MQTT client id connect
 * until it expires. Nothing is stored: a token is valid while its signature is.
 */
public final class MqttTokens implements Authenticator {
    /** The MQTT username that goes with every token. */
    public static final String USERNAME = "web-token";

    private static final String ALGORITHM = "HmacSHA256";
    private static final Base64.Encoder BASE64 = Base64.getUrlEncoder().withoutPadding();

    private final SecretKeySpec key;
    private final Duration ttl;
    private final Clock clock;

    /** A token: the MQTT username and password, valid for connections opened before {@code expiresAt}. */
    public record Token(String username, String password, Instant expiresAt) {}

    MqttTokens(byte[] secret, Duration ttl, Clock clock) {
        if (secret.length < 16) {
            throw new IllegalArgumentException("an MQTT token secret needs at least 16 bytes");
        }
        this.key = new SecretKeySpec(secret.clone(), ALGORITHM);
        this.ttl = ttl;
        this.clock = clock;
    }

    /** Tokens signed with {@code MQTT_TOKEN_SECRET}, or with a random secret when it is not set. */
    public static MqttTokens create(WebConfig config, Clock clock) {
        byte[] secret = config.tokenSecret()
                .map(s -> s.getBytes(StandardCharsets.UTF_8))
                .orElseGet(() -> {
                    byte[] random = new byte[32];
                    new SecureRandom().nextBytes(random);
                    return random;
                });
        return new MqttTokens(secret, config.tokenTtl(), clock);
    }

    public Token issue(String clientId) {
        long expires = clock.instant().plus(ttl).getEpochSecond();
        return new Token(USERNAME, expires + "." + signature(clientId, expires), Instant.ofEpochSecond(expires));
    }

    @Override
    public boolean accepts(String clientId, String username, String password, boolean firstTime) {
        if (!USERNAME.equals(username) || clientId.isEmpty()) {
            return false;
        }
        int dot = password.indexOf('.');
        if (dot <= 0 || dot > 19) {
            return false;
        }
        long expires;
        try {
            expires = Long.parseLong(password.substring(0, dot));
        } catch (NumberFormatException e) {
            return false;
        }
        byte[] given = password.substring(dot + 1).getBytes(StandardCharsets.US_ASCII);
        byte[] expected = signature(clientId, expires).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(given, expected)) {
            return false;
        }
        // the broker asks again on every authorization: a connection stays in after its token expires
        return !firstTime || clock.instant().getEpochSecond() < expires;
    }

    private String signature(String clientId, long expires) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            byte[] digest =
                    mac.doFinal(("mqtt-token/v1\n" + clientId + "\n" + expires).getBytes(StandardCharsets.UTF_8));
            return BASE64.encodeToString(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
