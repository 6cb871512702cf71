package dev.aichatroom.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aichatroom.ai.AiConfig;
import dev.aichatroom.ai.AiConfig.Provider;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AiConfigLoaderTest {
    private static AiConfig load(Map<String, String> vars) {
        return ConfigLoader.ai(Env.of(vars), Path.of("data"));
    }

    @Test
    void without_a_remote_provider_the_local_model_is_the_default() {
        AiConfig ai = load(Map.of());

        assertThat(ai.provider()).isEqualTo(Provider.LOCAL);
        assertThat(ai.model()).isEqualTo("tjake/Qwen2.5-0.5B-Instruct-JQ4");
        assertThat(ai.modelDir()).isEqualTo(Path.of("data", "models"));
        assertThat(ai.persona().name()).isEqualTo("智能助手");
        assertThat(ai.persona().contextMessages()).isEqualTo(20);
        assertThat(ai.limits().timeout()).isEqualTo(Duration.ofSeconds(120));
    }

    @ParameterizedTest
    @CsvSource({
        "moonshot, https://api.moonshot.cn/v1, moonshot-v1-8k",
        "qwen, https://dashscope.aliyuncs.com/compatible-mode/v1, qwen-plus",
        "deepseek, https://api.deepseek.com/v1, deepseek-chat",
        "openai, https://api.openai.com/v1, gpt-4o-mini",
    })
    void presets_fill_in_base_url_and_model(String provider, String url, String model) {
        AiConfig ai = load(Map.of("AI_PROVIDER", provider, "AI_API_KEY", "sk-1"));

        assertThat(ai.baseUrl()).contains(url);
        assertThat(ai.model()).isEqualTo(model);
        assertThat(ai.apiKey()).contains("sk-1");
    }

    @Test
    void ollama_needs_no_key_and_a_model_can_be_chosen() {
        AiConfig ai = load(Map.of("AI_PROVIDER", "ollama", "AI_MODEL", "qwen2.5:7b"));

        assertThat(ai.baseUrl()).contains("http://localhost:11434/v1");
        assertThat(ai.model()).isEqualTo("qwen2.5:7b");
        assertThat(ai.apiKey()).isEmpty();
    }

    @Test
    void a_base_url_alone_means_an_openai_compatible_api() {
        AiConfig ai = load(Map.of("AI_BASE_URL", "http://127.0.0.1:8000/v1/", "AI_MODEL", "llama"));

        assertThat(ai.provider()).isEqualTo(Provider.OPENAI_COMPATIBLE);
        assertThat(ai.baseUrl()).contains("http://127.0.0.1:8000/v1");
    }

    @Test
    void always_rooms_and_limits_are_read() {
        AiConfig ai = load(Map.of(
                "AI_PROVIDER", "none",
                "AI_ALWAYS_ROOMS", "room1, room2",
                "AI_MAX_CONCURRENT", "2",
                "AI_QUEUE_SIZE", "5",
                "AI_MAX_REPLY_CHARS", "500"));

        assertThat(ai.persona().alwaysRooms()).containsExactlyInAnyOrder("room1", "room2");
        assertThat(ai.limits().maxConcurrent()).isEqualTo(2);
        assertThat(ai.limits().queueSize()).isEqualTo(5);
        assertThat(ai.limits().maxReplyChars()).isEqualTo(500);
    }

    @Test
    void a_preset_that_needs_a_key_says_which_variable_to_set() {
        assertThatThrownBy(() -> load(Map.of("AI_PROVIDER", "moonshot")))
                .isInstanceOfSatisfying(
                        ConfigException.class, e -> assertThat(e.variable()).isEqualTo("AI_API_KEY"));
    }

    @Test
    void an_unknown_provider_lists_the_known_ones() {
        assertThatThrownBy(() -> load(Map.of("AI_PROVIDER", "gpt")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("moonshot, qwen, deepseek, openai, ollama, openai-compatible, local, none");
    }

    @Test
    void the_key_never_shows_in_the_configs_text() {
        AiConfig ai = load(Map.of("AI_PROVIDER", "deepseek", "AI_API_KEY", "sk-very-secret"));

        assertThat(ai.toString()).doesNotContain("sk-very-secret").contains("apiKey=***");
        assertThat(ai.apiKey()).isEqualTo(Optional.of("sk-very-secret"));
    }
}
