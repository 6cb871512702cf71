package dev.aichatroom.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aichatroom.web.WebConfig;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class WebConfigLoaderTest {
    @Test
    void defaultsNeedNoVariables() {
        WebConfig web = ConfigLoader.load(Env.of(Map.of())).web();

        assertThat(web).isEqualTo(WebConfig.defaults());
        assertThat(web.tokenTtl()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void readsThePageVariables() {
        WebConfig web = ConfigLoader.load(Env.of(Map.of(
                        "MQTT_WS_URL", "wss://chat.example.com/mqtt",
                        "AI_NAME", "Robo",
                        "MQTT_TOKEN_SECRET", "x".repeat(32),
                        "MQTT_TOKEN_TTL", "600",
                        "MQTT_TOKEN_RATE_PER_MINUTE", "5")))
                .web();

        assertThat(web)
                .isEqualTo(new WebConfig(
                        Optional.of("wss://chat.example.com/mqtt"),
                        "Robo",
                        Optional.of("x".repeat(32)),
                        Duration.ofMinutes(10),
                        5));
    }

    @Test
    void namesTheVariableAndTheFix() {
        assertThatThrownBy(() -> ConfigLoader.load(Env.of(Map.of("MQTT_TOKEN_SECRET", "short"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("MQTT_TOKEN_SECRET")
                .hasMessageContaining("openssl rand");
        assertThatThrownBy(() -> ConfigLoader.load(Env.of(Map.of("MQTT_WS_URL", "http://example.com/mqtt"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("MQTT_WS_URL");
        assertThatThrownBy(() -> ConfigLoader.load(Env.of(Map.of("MQTT_TOKEN_TTL", "5"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("MQTT_TOKEN_TTL");
    }
}
