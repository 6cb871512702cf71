package dev.aichatroom.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aichatroom.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class MqttTokensTest {
    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

    private final MutableClock clock = new MutableClock(NOW);
    private final MqttTokens tokens = new MqttTokens(SECRET, Duration.ofMinutes(10), clock);

    @Test
    void acceptsItsOwnTokenForTheClientItWasIssuedTo() {
        MqttTokens.Token token = tokens.issue("web_abc");

        assertThat(token.username()).isEqualTo(MqttTokens.USERNAME);
        assertThat(token.expiresAt()).isEqualTo(NOW.plus(Duration.ofMinutes(10)));
        assertThat(tokens.accepts("web_abc", token.username(), token.password(), true))
                .isTrue();
    }

    @Test
    void rejectsTheTokenForAnotherClientId() {
        MqttTokens.Token token = tokens.issue("web_abc");

        assertThat(tokens.accepts("web_abd", token.username(), token.password(), true))
                .isFalse();
        assertThat(tokens.accepts("", token.username(), token.password(), true)).isFalse();
    }

    @Test
    void rejectsAnExpiredTokenOnConnectButKeepsAnAdmittedConnection() {
        MqttTokens.Token token = tokens.issue("web_abc");
        clock.set(NOW.plus(Duration.ofMinutes(10)));

        assertThat(tokens.accepts("web_abc", token.username(), token.password(), true))
                .isFalse();
        assertThat(tokens.accepts("web_abc", token.username(), token.password(), false))
                .isTrue();
    }

    @Test
    void rejectsTamperedTokensOtherUsernamesAndOtherSecrets() {
        MqttTokens.Token token = tokens.issue("web_abc");
        String signature = token.password().substring(token.password().indexOf('.'));
        long laterExpiry = token.expiresAt().getEpochSecond() + 3600;

        assertThat(tokens.accepts("web_abc", "someone", token.password(), true)).isFalse();
        assertThat(tokens.accepts("web_abc", token.username(), laterExpiry + signature, true))
                .isFalse();
        assertThat(tokens.accepts("web_abc", token.username(), token.password() + "x", true))
                .isFalse();
        MqttTokens other = new MqttTokens(
                "another secret of 32 characters!".getBytes(StandardCharsets.UTF_8), Duration.ofMinutes(10), clock);
        assertThat(other.accepts("web_abc", token.username(), token.password(), true))
                .isFalse();
    }

    @Test
    void rejectsMalformedPasswords() {
        for (String password : new String[] {"", ".", "abc.def", "1.", "99999999999999999999.x", "-1.x", "noDot"}) {
            assertThat(tokens.accepts("web_abc", MqttTokens.USERNAME, password, true))
                    .as(password)
                    .isFalse();
        }
    }

    @Test
    void refusesAShortSecret() {
        assertThatThrownBy(() -> new MqttTokens(new byte[8], Duration.ofMinutes(1), clock))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void randomSecretsDifferPerStart() {
        WebConfig config = WebConfig.defaults();
        MqttTokens.Token token = MqttTokens.create(config, clock).issue("web_abc");

        assertThat(MqttTokens.create(config, clock).accepts("web_abc", token.username(), token.password(), true))
                .isFalse();
    }
}
