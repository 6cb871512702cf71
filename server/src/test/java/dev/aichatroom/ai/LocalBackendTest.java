package dev.aichatroom.ai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs without {@code --add-modules jdk.incubator.vector} (surefire's JVM): the assistant says how to enable it. */
class LocalBackendTest {
    @TempDir
    Path models;

    private AiConfig config() {
        return new AiConfig(
                AiConfig.Provider.LOCAL,
                Optional.empty(),
                Optional.empty(),
                "tjake/Qwen2.5-0.5B-Instruct-JQ4",
                models,
                new AiConfig.Persona("智能助手", "p", 20, Set.of()),
                new AiConfig.Limits(1, 4, Duration.ofSeconds(5), Duration.ofSeconds(5), 0, 4000, 64, 1));
    }

    @Test
    void without_the_vector_module_the_room_hears_it_plainly_and_the_fix_is_on_health_only() {
        assumeFalse(LocalBackend.vectorModulePresent(), "this JVM has jdk.incubator.vector");
        LocalBackend backend = new LocalBackend(config(), Texts.of("zh"));

        assertThat(backend.problem()).hasValueSatisfying(p -> assertThat(p).contains("jdk.incubator.vector"));
        assertThatThrownBy(() -> backend.model(notice -> {})).isInstanceOfSatisfying(AiException.class, e -> {
            assertThat(e.kind()).isEqualTo(AiException.Kind.UNAVAILABLE);
            // the text goes to the room: no setup steps or server paths there
            assertThat(e.getMessage())
                    .contains("/health")
                    .doesNotContain("--add-modules")
                    .doesNotContain("AI_PROVIDER");
        });
        assertThat(backend.problem())
                .hasValueSatisfying(p -> assertThat(p)
                        .contains("--add-modules jdk.incubator.vector")
                        .contains("AI_PROVIDER"));
    }

    @Test
    void the_model_lives_in_the_folder_jlama_reads_offline() {
        LocalBackend backend = new LocalBackend(config(), Texts.of("zh"));

        assertThat(backend.folder()).isEqualTo(models.resolve("tjake_Qwen2.5-0.5B-Instruct-JQ4"));
        assertThat(backend.describe()).contains("downloads on first use").doesNotContain("null");
        assertThat(backend.sequential()).isTrue();
    }
}
