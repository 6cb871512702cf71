package dev.aichatroom.ai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The OpenAI-compatible path, through LangChain4j and our HTTP client, against a server speaking the wire format. */
@Timeout(30)
class RemoteModelIT {
    private static final String KEY = "sk-test-secret-key-123456";
    private static final List<ChatMessage> QUESTION =
            List.of(SystemMessage.from("You are a test."), UserMessage.from("张三: 你好"));

    private static FakeOpenAi fake;
    private final List<String> deltas = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startFake() throws Exception {
        fake = new FakeOpenAi();
    }

    @AfterAll
    static void stopFake() {
        fake.close();
    }

    @BeforeEach
    void reset() {
        fake.reset();
        fake.byDefault(FakeOpenAi.text("Hello", " from", " the", " fake", " model."));
    }

    static AiConfig config(String url, AiConfig.Limits limits) {
        return new AiConfig(
                AiConfig.Provider.OPENAI_COMPATIBLE,
                Optional.of(url),
                Optional.of(KEY),
                "fake-model",
                Path.of("unused"),
                new AiConfig.Persona("智能助手", "You are {name} in {room}.", 20, Set.of()),
                limits);
    }

    static AiConfig.Limits limits() {
        return new AiConfig.Limits(4, 16, Duration.ofSeconds(10), Duration.ofSeconds(2), 2, 4000, 256, 3);
    }

    private String reply(AiConfig.Limits limits, ToolProvider tools) {
        try (Backend backend = Backends.create(config(fake.baseUrl(), limits), Texts.of("en"))) {
            Reply reply = new Reply(
                    backend.model(notice -> {}), tools, limits, "main", (seq, delta) -> deltas.add(seq + ":" + delta));
            return reply.generate(QUESTION);
        }
    }

    private String reply() {
        return reply(limits(), ToolProvider.NONE);
    }

    @Test
    void streams_the_reply_as_deltas_and_returns_it_complete() {
        String text = reply();

        assertThat(text).isEqualTo("Hello from the fake model.");
        assertThat(String.join(
                        "",
                        deltas.stream()
                                .map(d -> d.substring(d.indexOf(':') + 1))
                                .toList()))
                .isEqualTo(text);
        assertThat(deltas.getFirst()).startsWith("0:");
        assertThat(fake.requests()).hasSize(1);
        assertThat(fake.requests().getFirst().path("stream").asBoolean()).isTrue();
        assertThat(fake.requests().getFirst().path("model").asText()).isEqualTo("fake-model");
        assertThat(fake.messagesOf(0)).containsExactly("system|You are a test.", "user|张三: 你好");
        assertThat(fake.authorizations()).containsExactly("Bearer " + KEY);
    }

    @Test
    void retries_after_429_waiting_as_long_as_retry_after_says() {
        fake.then(new FakeOpenAi.Status(
                429, Map.of("Retry-After", "1"), "{\"error\":{\"message\":\"Rate limit reached\"}}"));
        long start = System.nanoTime();

        // a first-output budget well above the 1 s asked for: with 2 s, a cold JVM's first call plus the wait left no
        // time to try again (the retry is skipped when it cannot finish before the asker's deadline)
        String text = reply(
                new AiConfig.Limits(4, 16, Duration.ofSeconds(10), Duration.ofSeconds(10), 2, 4000, 256, 3),
                ToolProvider.NONE);

        assertThat(text).isEqualTo("Hello from the fake model.");
        assertThat(fake.requests()).hasSize(2);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(950));
    }

    @Test
    void retries_a_server_error_then_answers() {
        fake.then(new FakeOpenAi.Status(500, Map.of(), "{\"error\":{\"message\":\"boom\"}}"));

        assertThat(reply()).isEqualTo("Hello from the fake model.");
        assertThat(fake.requests()).hasSize(2);
    }

    @Test
    void gives_up_as_rate_limited_after_the_last_retry() {
        fake.byDefault(
                new FakeOpenAi.Status(429, Map.of("Retry-After", "0"), "{\"error\":{\"message\":\"slow down\"}}"));

        assertThatThrownBy(this::reply).isInstanceOfSatisfying(AiException.class, e -> {
            assertThat(e.kind()).isEqualTo(AiException.Kind.RATE_LIMITED);
            assertThat(e.getMessage()).contains("429").contains("slow down");
        });
        assertThat(fake.requests()).hasSize(3);
        assertThat(deltas).isEmpty();
    }

    @Test
    void does_not_retry_a_refused_key() {
        fake.byDefault(new FakeOpenAi.Status(
                401,
                Map.of(),
                "{\"error\":{\"message\":\"Incorrect API key provided\",\"type\":\"invalid_request\"}}"));

        assertThatThrownBy(this::reply).isInstanceOfSatisfying(AiException.class, e -> {
            assertThat(e.kind()).isEqualTo(AiException.Kind.UNAUTHORIZED);
            assertThat(e.getMessage()).isEqualTo("HTTP 401: Incorrect API key provided");
        });
        assertThat(fake.requests()).hasSize(1);
    }

    @Test
    void a_server_that_never_answers_fails_at_the_first_token_timeout() {
        fake.byDefault(new FakeOpenAi.Hang());
        AiConfig.Limits limits =
                new AiConfig.Limits(4, 16, Duration.ofSeconds(10), Duration.ofSeconds(1), 0, 4000, 256, 3);
        long start = System.nanoTime();

        assertThatThrownBy(() -> reply(limits, ToolProvider.NONE))
                .isInstanceOfSatisfying(
                        AiException.class, e -> assertThat(e.kind()).isEqualTo(AiException.Kind.NO_FIRST_TOKEN));
        assertThat(Duration.ofNanos(System.nanoTime() - start))
                .isBetween(Duration.ofMillis(900), Duration.ofSeconds(5));
    }

    @Test
    void a_call_without_a_first_token_is_not_retried_since_the_askers_time_is_spent() {
        fake.byDefault(new FakeOpenAi.Hang());
        AiConfig.Limits limits =
                new AiConfig.Limits(4, 16, Duration.ofSeconds(10), Duration.ofMillis(500), 2, 4000, 256, 3);
        try (Backend backend = Backends.create(config(fake.baseUrl(), limits), Texts.of("en"))) {
            assertThatThrownBy(() -> new Reply(backend.model(n -> {}), ToolProvider.NONE, limits, "main", (q, d) -> {})
                            .generate(QUESTION))
                    .isInstanceOfSatisfying(
                            AiException.class, e -> assertThat(e.kind()).isEqualTo(AiException.Kind.NO_FIRST_TOKEN));
            assertThat(fake.requests()).hasSize(1);
        }
    }

    @Test
    void a_retry_that_would_end_after_the_askers_deadline_is_not_made() {
        fake.byDefault(new FakeOpenAi.Status(429, Map.of("Retry-After", "3"), "{\"error\":{\"message\":\"wait\"}}"));
        long start = System.nanoTime();

        assertThatThrownBy(this::reply)
                .isInstanceOfSatisfying(
                        AiException.class, e -> assertThat(e.kind()).isEqualTo(AiException.Kind.RATE_LIMITED));
        assertThat(fake.requests())
                .as("a 3 s wait does not fit in the 2 s first-token time")
                .hasSize(1);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void a_stream_that_falls_silent_after_it_began_fails_at_the_idle_timeout() {
        fake.byDefault(new FakeOpenAi.TrickleThenHang(List.of("I was", " saying")));
        AiConfig.Limits limits = new AiConfig.Limits(
                4,
                16,
                Duration.ofSeconds(20),
                Duration.ofSeconds(5),
                2,
                4000,
                256,
                3,
                Duration.ofSeconds(1),
                0,
                Duration.ofSeconds(60));
        long start = System.nanoTime();

        assertThatThrownBy(() -> reply(limits, ToolProvider.NONE)).isInstanceOfSatisfying(AiException.class, e -> {
            assertThat(e.kind()).isEqualTo(AiException.Kind.STALLED);
            assertThat(e.limit()).contains(Duration.ofSeconds(1));
        });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
        assertThat(fake.requests()).hasSize(1);
    }

    @Test
    void a_reply_whose_stream_stalls_after_it_began_fails_at_the_total_timeout() {
        // pieces at 1.2 s, 2.4 s and 3.6 s: the first within the first-token limit, the last after the total one
        fake.byDefault(new FakeOpenAi.Stream(List.of("slow", " and", " slower"), Duration.ofMillis(1200)));
        AiConfig.Limits limits =
                new AiConfig.Limits(4, 16, Duration.ofSeconds(3), Duration.ofSeconds(2), 2, 4000, 256, 3);

        assertThatThrownBy(() -> reply(limits, ToolProvider.NONE)).isInstanceOfSatisfying(AiException.class, e -> {
            assertThat(e.kind()).isEqualTo(AiException.Kind.TIMEOUT);
            assertThat(e.getMessage()).contains("3 s");
        });
        assertThat(deltas).as("it had begun").isNotEmpty();
        assertThat(fake.requests()).as("a reply that began is not retried").hasSize(1);
    }

    @Test
    void a_stream_that_stops_midway_is_an_interrupted_reply_not_a_complete_one() {
        fake.byDefault(new FakeOpenAi.StopMidway(List.of("Hal", "f an ans")));

        assertThatThrownBy(this::reply)
                .isInstanceOfSatisfying(
                        AiException.class, e -> assertThat(e.kind()).isEqualTo(AiException.Kind.INTERRUPTED));
        assertThat(fake.requests()).hasSize(1);
    }

    @Test
    void a_tool_call_split_across_chunks_runs_the_tool_and_the_model_answers_with_its_result() {
        fake.then(
                new FakeOpenAi.ToolCall("call_1", "change_emotion", List.of("{\"emo", "tion\": \"ha", "ppy\"}")),
                FakeOpenAi.text("I look ", "happy now."));
        List<ToolExecutionRequest> calls = new CopyOnWriteArrayList<>();
        ToolProvider tools = new ToolProvider() {
            @Override
            public List<ToolSpecification> tools(String room) {
                return List.of(ToolSpecification.builder()
                        .name("change_emotion")
                        .description("Changes the avatar's emotion")
                        .parameters(JsonObjectSchema.builder()
                                .addEnumProperty("emotion", List.of("happy", "sad"))
                                .required("emotion")
                                .build())
                        .build());
            }

            @Override
            public String execute(ToolExecutionRequest request) {
                calls.add(request);
                return "{\"ok\":true}";
            }
        };

        String text = reply(limits(), tools);

        assertThat(text).isEqualTo("I look happy now.");
        assertThat(calls).singleElement().satisfies(call -> {
            assertThat(call.id()).isEqualTo("call_1");
            assertThat(call.name()).isEqualTo("change_emotion");
            assertThat(call.arguments()).isEqualTo("{\"emotion\": \"happy\"}");
        });
        assertThat(fake.requests()).hasSize(2);
        assertThat(fake.requests()
                        .getFirst()
                        .path("tools")
                        .get(0)
                        .path("function")
                        .path("name")
                        .asText())
                .isEqualTo("change_emotion");
        assertThat(fake.messagesOf(1)).contains("tool|{\"ok\":true}");
    }

    @Test
    void tool_rounds_are_bounded_and_the_last_call_offers_no_tools() {
        fake.byDefault(new FakeOpenAi.ToolCall("call_x", "take_photo", List.of("{}")));
        ToolProvider tools = new ToolProvider() {
            @Override
            public List<ToolSpecification> tools(String room) {
                return List.of(ToolSpecification.builder().name("take_photo").build());
            }

            @Override
            public String execute(ToolExecutionRequest request) {
                return "photo taken";
            }
        };

        String text = reply(limits(), tools);

        assertThat(text).isEmpty();
        assertThat(fake.requests()).hasSize(4);
        assertThat(fake.requests().getLast().has("tools")).isFalse();
    }

    @Test
    void a_reply_longer_than_the_limit_is_cut_and_its_stream_stopped() {
        fake.byDefault(FakeOpenAi.text("0123456789", "0123456789", "0123456789", "never sent"));
        AiConfig.Limits limits =
                new AiConfig.Limits(4, 16, Duration.ofSeconds(10), Duration.ofSeconds(2), 2, 16, 256, 3);

        String text = reply(limits, ToolProvider.NONE);

        assertThat(text).hasSize(16).endsWith(Reply.CUT_MARK).startsWith("012345678901234");
    }
}
