package dev.aichatroom.ai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local model's process, without starting one: its command line and what crosses its pipes. */
class LocalBackendTest {
    private static final ObjectMapper JSON = new ObjectMapper();

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
    void the_model_lives_in_the_folder_jlama_reads_offline() {
        LocalBackend backend = new LocalBackend(config(), Texts.of("zh"));

        assertThat(backend.folder()).isEqualTo(models.resolve("tjake_Qwen2.5-0.5B-Instruct-JQ4"));
        assertThat(backend.describe()).contains("downloads on first use").doesNotContain("null");
        assertThat(backend.sequential()).isTrue();
        assertThat(backend.workerPid()).isEmpty();
    }

    @Test
    void only_the_models_own_jvm_gets_the_vector_module_with_this_jvms_java_and_class_path() {
        List<String> command = LocalBackend.command(config(), List.of("-Xmx1g"));

        assertThat(command.getFirst())
                .isEqualTo(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString());
        assertThat(command).containsSubsequence("--add-modules", "jdk.incubator.vector");
        assertThat(command)
                .endsWith(
                        "-Xmx1g",
                        "-cp",
                        System.getProperty("java.class.path"),
                        ModelWorker.class.getName(),
                        "tjake/Qwen2.5-0.5B-Instruct-JQ4",
                        models.toAbsolutePath().toString());
    }

    @Test
    void a_tool_call_crosses_the_pipe_as_it_left_the_model() throws Exception {
        ChatResponse sent = ChatResponse.builder()
                .aiMessage(AiMessage.from(List.of(ToolExecutionRequest.builder()
                        .id("c1")
                        .name("get_room_history")
                        .arguments("{\"room\":\"main\",\"n\":3}")
                        .build())))
                .tokenUsage(new TokenUsage(12, 7))
                .finishReason(FinishReason.TOOL_EXECUTION)
                .build();

        String line = JSON.writeValueAsString(ModelWorker.done(sent));
        ChatResponse received = ModelWorker.response(JSON.readTree(line));

        assertThat(line).doesNotContain("\n");
        assertThat(received.aiMessage()).isEqualTo(sent.aiMessage());
        assertThat(received.finishReason()).isEqualTo(FinishReason.TOOL_EXECUTION);
        assertThat(received.tokenUsage().inputTokenCount()).isEqualTo(12);
        assertThat(received.tokenUsage().outputTokenCount()).isEqualTo(7);
    }

    @Test
    void a_tool_specification_crosses_the_pipe_as_jlama_renders_it() throws Exception {
        ToolSpecification spec = ToolSpecification.builder()
                .name("get_room_history")
                .description("recent messages")
                .parameters(JsonObjectSchema.builder()
                        .addStringProperty("room", "the room")
                        .addIntegerProperty("n")
                        .required("room")
                        .build())
                .build();

        ModelWorker.ToolSpec received = JSON.treeToValue(
                JSON.readTree(JSON.writeValueAsString(ModelWorker.ToolSpec.of(spec))), ModelWorker.ToolSpec.class);

        assertThat(received.name()).isEqualTo("get_room_history");
        assertThat(received.description()).isEqualTo("recent messages");
        assertThat(received.parameters())
                .containsEntry("room", Map.of("type", "string", "description", "the room"))
                .containsEntry("n", Map.of("type", "integer"));
        assertThat(received.required()).containsExactly("room");
        assertThat(JlamaChat.tool(received).getFunction().getName()).isEqualTo("get_room_history");
    }

    @Test
    void a_line_is_read_whole_and_bounded() throws IOException {
        var in = new ByteArrayInputStream("{\"a\":\"é\"}\n{}\n".getBytes(StandardCharsets.UTF_8));
        assertThat(ModelWorker.readLine(in)).contains("{\"a\":\"é\"}");
        assertThat(ModelWorker.readLine(in)).contains("{}");
        assertThat(ModelWorker.readLine(in)).isEmpty();

        var cut = new ByteArrayInputStream("{\"a\":".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> ModelWorker.readLine(cut)).isInstanceOf(IOException.class);

        var endless = new java.io.InputStream() {
            @Override
            public int read() {
                return 'x';
            }
        };
        assertThatThrownBy(() -> ModelWorker.readLine(endless))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("longer than");
    }
}
