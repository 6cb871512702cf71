package dev.aichatroom.ai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local model path (jlama, in a JVM of its own: {@link ModelWorker}) on a tiny random-weight Llama written by the
 * test: loading from {@code <modelDir>/<owner>_<name>/} without any network, prompt template, generation, streaming,
 * and what happens when its process dies. The JVM running this test lacks {@code jdk.incubator.vector}, as the
 * product's does.
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
    void the_jvm_running_this_test_lacks_the_vector_module_as_the_products_does() {
        assertThat(ModuleLayer.boot().findModule(ModelWorker.VECTOR_MODULE)).isEmpty();
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
    void a_request_with_tools_crosses_to_the_models_process_and_is_answered() throws Exception {
        TinyLlama.write(models, "test", "tiny-llama");
        ToolSpecification tool = ToolSpecification.builder()
                .name("get_room_history")
                .description("recent messages of a room")
                .parameters(JsonObjectSchema.builder()
                        .addStringProperty("room")
                        .required("room")
                        .build())
                .build();
        try (LocalBackend backend = new LocalBackend(config(), Texts.of("en"))) {
            ChatResponse response = call(
                    backend.model(notice -> {}),
                    ChatRequest.builder()
                            .messages(UserMessage.from("a: what was said?"))
                            .toolSpecifications(tool)
                            .maxOutputTokens(8)
                            .build());

            assertThat(response.aiMessage().text()).isNotNull();
            assertThat(response.tokenUsage().outputTokenCount()).isBetween(1, 8);
        }
    }

    @Test
    void a_model_process_killed_while_answering_fails_the_call_as_unavailable_and_the_next_question_starts_another()
            throws Exception {
        TinyLlama.write(models, "test", "tiny-llama");
        try (LocalBackend backend = new LocalBackend(config(), Texts.of("en"))) {
            StreamingChatModel first = backend.model(notice -> {});
            long pid = backend.workerPid().orElseThrow();
            // stopped, it cannot finish the answer before the kill: the call is in flight when the process dies
            signal("STOP", pid);
            CompletableFuture<ChatResponse> answer = new CompletableFuture<>();
            first.chat(
                    ChatRequest.builder().messages(UserMessage.from("a: hello")).build(), handler(answer));
            ProcessHandle.of(pid).orElseThrow().destroyForcibly();

            assertThat(answer)
                    .failsWithin(60, TimeUnit.SECONDS)
                    .withThrowableThat()
                    .havingCause()
                    .isInstanceOfSatisfying(AiException.class, e -> {
                        assertThat(e.kind()).isEqualTo(AiException.Kind.UNAVAILABLE);
                        assertThat(e.getMessage()).contains("stopped unexpectedly");
                    });
            assertThat(backend.problem())
                    .hasValueSatisfying(
                            p -> assertThat(p).contains("exited with status").contains("starts again"));
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                    .isFalse();

            // within the pause after a crash the room hears when; then a new process answers
            await().atMost(60, TimeUnit.SECONDS)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        try {
                            backend.model(notice -> {});
                            return true;
                        } catch (AiException e) {
                            assertThat(e.kind()).isEqualTo(AiException.Kind.UNAVAILABLE);
                            assertThat(e.getMessage()).contains("starts again in about");
                            return false;
                        }
                    });
            assertThat(backend.workerPid()).isPresent().isNotEqualTo(java.util.OptionalLong.of(pid));
            ChatResponse again = call(
                    backend.model(notice -> {}),
                    ChatRequest.builder()
                            .messages(UserMessage.from("a: hello"))
                            .maxOutputTokens(4)
                            .build());
            assertThat(again.aiMessage().text()).isNotNull();
            assertThat(backend.problem()).isEmpty();
        }
    }

    @Test
    void a_model_process_that_cannot_start_is_reported_and_not_started_again_at_once() {
        try (LocalBackend backend =
                new LocalBackend(config(), Texts.of("en"), List.of("-XX:+NoSuchOptionForTheModelWorker"))) {
            assertThatThrownBy(() -> backend.model(notice -> {})).isInstanceOfSatisfying(AiException.class, e -> {
                assertThat(e.kind()).isEqualTo(AiException.Kind.UNAVAILABLE);
                // the room hears no paths or setup steps
                assertThat(e.getMessage()).contains("/health").doesNotContain(models.toString());
            });
            assertThat(backend.problem())
                    .hasValueSatisfying(p ->
                            assertThat(p).contains("exited with status 1").contains("NoSuchOptionForTheModelWorker"));
            assertThatThrownBy(() -> backend.model(notice -> {}))
                    .isInstanceOfSatisfying(
                            AiException.class, e -> assertThat(e.getMessage()).contains("starts again in about"));
        }
    }

    @Test
    void the_models_process_exits_when_its_input_ends_as_when_the_product_is_killed() throws Exception {
        TinyLlama.write(models, "test", "tiny-llama");
        Process worker = new ProcessBuilder(LocalBackend.command(config(), List.of()))
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            var out = new java.io.BufferedReader(
                    new java.io.InputStreamReader(worker.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
            assertThat(out.readLine()).contains("\"loaded\"");
            // the kernel closes a killed product's end of the pipe: the same end of input
            worker.getOutputStream().close();

            assertThat(worker.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(worker.exitValue()).isZero();
        } finally {
            worker.destroyForcibly();
        }
    }

    @Test
    void the_models_process_runs_from_the_packaged_jar_and_streams_an_answer_line_by_line() throws Exception {
        Path jar = Path.of("target/ai-chatroom.jar");
        assertThat(jar).as("the product jar (mvn package)").exists();
        TinyLlama.write(models, "test", "tiny-llama");
        List<String> command = new java.util.ArrayList<>(LocalBackend.command(config(), List.of()));
        command.set(command.indexOf("-cp") + 1, jar.toAbsolutePath().toString());
        Process worker = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            var out = new java.io.BufferedReader(
                    new java.io.InputStreamReader(worker.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
            var json = new com.fasterxml.jackson.databind.ObjectMapper();
            assertThat(json.readTree(out.readLine()).path("event").asText()).isEqualTo("loaded");
            String messages = dev.langchain4j.data.message.ChatMessageSerializer.messagesToJson(
                    List.of(SystemMessage.from("You are a test."), UserMessage.from("a: hello")));
            worker.getOutputStream()
                    .write((json.writeValueAsString(Map.of(
                                            "op",
                                            "chat",
                                            "id",
                                            7,
                                            "messages",
                                            messages,
                                            "tools",
                                            List.of(),
                                            "maxTokens",
                                            6))
                                    + "\n")
                            .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            worker.getOutputStream().flush();

            StringBuilder streamed = new StringBuilder();
            JsonNode line = json.readTree(out.readLine());
            while (line.has("token")) {
                assertThat(line.path("id").asLong()).isEqualTo(7);
                streamed.append(line.path("token").asText());
                line = json.readTree(out.readLine());
            }
            assertThat(line.path("id").asLong()).isEqualTo(7);
            ChatResponse done = ModelWorker.response(line.path("done"));
            assertThat(done.aiMessage().text()).isEqualTo(streamed.toString());
            assertThat(done.tokenUsage().outputTokenCount()).isBetween(1, 6);
        } finally {
            worker.getOutputStream().close();
            if (!worker.waitFor(60, TimeUnit.SECONDS)) {
                worker.destroyForcibly();
            }
        }
    }

    private static ChatResponse call(StreamingChatModel model, ChatRequest request) throws Exception {
        CompletableFuture<ChatResponse> answer = new CompletableFuture<>();
        model.chat(request, handler(answer));
        return answer.get(60, TimeUnit.SECONDS);
    }

    private static StreamingChatResponseHandler handler(CompletableFuture<ChatResponse> answer) {
        return new StreamingChatResponseHandler() {
            @Override
            public void onCompleteResponse(ChatResponse response) {
                answer.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                answer.completeExceptionally(error);
            }
        };
    }

    private static void signal(String name, long pid) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + name, Long.toString(pid))
                        .start()
                        .waitFor())
                .isZero();
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
