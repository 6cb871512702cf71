package dev.aichatroom.ai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The assistant's settings as an operator sets them: its name, its prompt, how much of the room it sees. */
@Timeout(60)
class AssistantSettingsIT {
    @Test
    void a_configured_name_calls_it_and_the_model_sees_the_prompt_and_only_the_window_of_context() throws Exception {
        try (FakeOpenAi fake = new FakeOpenAi();
                AssistantTestProduct product = AssistantTestProduct.start(Map.of(
                        "AI_PROVIDER", "openai-compatible",
                        "AI_BASE_URL", fake.baseUrl(),
                        "AI_MODEL", "fake-model",
                        "AI_NAME", "小智",
                        "AI_SYSTEM_PROMPT", "You are {name} in room {room}. Be brief.",
                        "AI_CONTEXT_MESSAGES", "1"))) {
            fake.byDefault(FakeOpenAi.text("B said second."));
            product.say("ctx", "ctx_a", "A", "first");
            product.say("ctx", "ctx_b", "B", "second");
            await().atMost(10, TimeUnit.SECONDS)
                    .until(() -> !product.out("second").isEmpty());

            product.say("ctx", "ctx_c", "C", "@小智 what did B say?");

            String question = "@小智 what did B say?";
            await().atMost(10, TimeUnit.SECONDS)
                    .until(() -> !product.out(question).isEmpty());
            String qid = product.out(question).getFirst().path("message_id").asText();
            await().atMost(10, TimeUnit.SECONDS)
                    .until(() -> !product.answersTo(qid).isEmpty());
            assertThat(product.answersTo(qid).getFirst().path("username").asText())
                    .isEqualTo("小智");

            List<String> seen = fake.messagesOf(0);
            assertThat(seen).hasSize(3);
            assertThat(seen.get(0)).startsWith("system|You are 小智 in room ctx. Be brief.");
            assertThat(seen.get(1)).startsWith("user|").contains("second").doesNotContain("first");
            assertThat(seen.get(2))
                    .startsWith("user|")
                    .contains("what did B say?")
                    .doesNotContain("@小智");
        }
    }

    @Test
    void a_local_model_that_cannot_load_gets_one_plain_notice_and_health_says_how_to_fix_it(@TempDir Path models)
            throws Exception {
        // a folder jlama takes as downloaded (the .finished marker) whose files are not a model
        Path folder = Files.createDirectories(models.resolve("tjake_Broken-Model"));
        Files.writeString(folder.resolve("config.json"), "{\"not\":\"a llama\"}");
        Files.writeString(folder.resolve(".finished"), "");
        try (AssistantTestProduct product = AssistantTestProduct.start(
                Map.of("AI_PROVIDER", "local", "AI_MODEL", "tjake/Broken-Model", "AI_MODEL_DIR", models.toString()))) {
            product.say("local", "local_1", "Lin", "@AI 你好");

            await().atMost(20, TimeUnit.SECONDS)
                    .until(() -> !product.notices("@Lin").isEmpty());
            await().during(Duration.ofMillis(700))
                    .atMost(5, TimeUnit.SECONDS)
                    .until(() -> product.notices("@Lin").size() == 1);
            // the room hears what is wrong in plain words; server paths and setup steps are for the operator
            assertThat(product.notices("@Lin").getFirst())
                    .contains("tjake/Broken-Model")
                    .doesNotContain(".finished")
                    .doesNotContain(models.toString());
            assertThat(product.getJson("/health")
                            .path("checks")
                            .path("ai")
                            .path("detail")
                            .asText())
                    .contains("not available")
                    .contains(".finished")
                    .contains("AI_PROVIDER");
        }
    }
}
