package dev.aichatroom.ai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The in-process model path (jlama) on a tiny random-weight Llama written by the test: loading from {@code
 * <modelDir>/<owner>_<name>/} without any network, prompt template, generation, streaming. Needs {@code --add-modules
 * jdk.incubator.vector} (failsafe's argLine).
 */
@Timeout(120)
class LocalModelIT {
    @TempDir
    Path models;

    private AiConfig config() {
        return new AiConfig(
                AiConfig.Provider.LOCAL,
                Optional.empty(),
                Optional.empty(),
                "test/tiny-llama",
                models,
                new AiConfig.Persona("智能助手", "p", 20, Set.of()),
                new AiConfig.Limits(1, 4, Duration.ofSeconds(60), Duration.ofSeconds(60), 0, 4000, 24, 1));
    }

    @Test
    void the_jvm_running_this_test_has_the_vector_module() {
        assertThat(LocalBackend.vectorModulePresent()).isTrue();
    }

    @Test
    void a_model_in_the_cache_folder_loads_offline_and_streams_generated_text() throws Exception {
        TinyLlama.write(models, "test", "tiny-llama");
        List<String> notices = new CopyOnWriteArrayList<>();
        List<String> deltas = new CopyOnWriteArrayList<>();
        try (LocalBackend backend = new LocalBackend(config(), Texts.of("en"))) {
            assertThat(backend.describe()).contains("loads on first use");

            Reply reply = new Reply(
                    backend.model(notices::add),
                    ToolProvider.NONE,
                    config().limits(),
                    "main",
                    (seq, delta) -> deltas.add(delta));
            String text = reply.generate(List.of(SystemMessage.from("You are a test."), UserMessage.from("a: hello")));

            assertThat(notices).isEmpty();
            assertThat(deltas).isNotEmpty();
            assertThat(String.join("", deltas)).isEqualTo(text);
            assertThat(backend.problem()).isEmpty();
            assertThat(backend.describe()).doesNotContain("first use");
        }
    }

    @Test
    void a_reply_cut_at_the_length_limit_stops_the_generation_and_the_model_answers_again() throws Exception {
        TinyLlama.write(models, "test", "tiny-llama");
        AiConfig.Limits limits =
                new AiConfig.Limits(1, 4, Duration.ofSeconds(60), Duration.ofSeconds(60), 0, 12, 400, 1);
        try (LocalBackend backend = new LocalBackend(config(), Texts.of("en"))) {
            var model = backend.model(notice -> {});
            var question = List.<dev.langchain4j.data.message.ChatMessage>of(UserMessage.from("a: hello"));

            String cut = new Reply(model, ToolProvider.NONE, limits, "main", (seq, delta) -> {}).generate(question);
            String again = new Reply(model, ToolProvider.NONE, config().limits(), "main", (seq, delta) -> {})
                    .generate(question);

            assertThat(cut).hasSizeLessThanOrEqualTo(12).endsWith(Reply.CUT_MARK);
            assertThat(again).isNotEmpty();
        }
    }

    @Test
    void the_product_answers_a_mention_with_the_local_model() throws Exception {
        TinyLlama.write(models, "test", "tiny-llama");
        try (AssistantTestProduct product = AssistantTestProduct.start(Map.of(
                "AI_PROVIDER", "local",
                "AI_MODEL", "test/tiny-llama",
                "AI_MODEL_DIR", models.toString(),
                "AI_MAX_TOKENS", "24"))) {
            assertThat(product.getJson("/health")
                            .path("checks")
                            .path("ai")
                            .path("status")
                            .asText())
                    .isEqualTo("up");

            product.say("main", "local_1", "本地用户", "@AI 你好");

            await().atMost(60, TimeUnit.SECONDS)
                    .until(() -> !product.out("@AI 你好").isEmpty());
            String qid = product.out("@AI 你好").getFirst().path("message_id").asText();
            await().atMost(60, TimeUnit.SECONDS)
                    .until(() -> !product.answersTo(qid).isEmpty());
            JsonNode answer = product.answersTo(qid).getFirst();
            List<JsonNode> deltas = product.on("chatroom/messages/stream").stream()
                    .filter(d -> d.path("message_id")
                            .asText()
                            .equals(answer.path("message_id").asText()))
                    .filter(d -> d.path("type").asText().equals("ai_response_delta"))
                    .toList();
            assertThat(deltas).isNotEmpty();
            assertThat(answer.path("content").asText()).isNotBlank();
        }
    }
}
