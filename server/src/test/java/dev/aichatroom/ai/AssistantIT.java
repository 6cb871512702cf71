package dev.aichatroom.ai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

/** The assistant in the real product: MQTT in, deltas and one ai_response (or one notice) out, history stored. */
@Timeout(60)
class AssistantIT {
    private static final String KEY = "sk-integration-secret-987654321";
    private static final Duration QUIET = Duration.ofMillis(700);

    private static FakeOpenAi fake;
    private static AssistantTestProduct product;
    private static final ListAppender<ILoggingEvent> LOGS = new ListAppender<>();

    @BeforeAll
    static void start() throws Exception {
        LOGS.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(LOGS);
        fake = new FakeOpenAi();
        product = AssistantTestProduct.start(Map.of(
                "AI_PROVIDER", "openai-compatible",
                "AI_BASE_URL", fake.baseUrl(),
                "AI_API_KEY", KEY,
                "AI_MODEL", "fake-model",
                "AI_MAX_RETRIES", "1",
                "AI_FIRST_TOKEN_TIMEOUT", "3",
                "AI_TIMEOUT", "10",
                "AI_MAX_CONCURRENT", "1",
                "AI_QUEUE_SIZE", "1",
                "AI_ALWAYS_ROOMS", "always"));
    }

    @AfterAll
    static void stop() {
        product.close();
        fake.close();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(LOGS);
    }

    @BeforeEach
    void reset() {
        fake.reset();
        fake.byDefault(FakeOpenAi.text("Hello", " from", " the", " fake", " model."));
    }

    private static String questionId(String text) {
        await().atMost(10, TimeUnit.SECONDS).until(() -> !product.out(text).isEmpty());
        return product.out(text).getFirst().path("message_id").asText();
    }

    @Test
    void a_mention_sent_with_mosquitto_pub_streams_deltas_then_one_ai_response_and_both_are_stored() throws Exception {
        String text = "@AI 今天天气怎么样？";
        String payload = new ObjectMapper()
                .writeValueAsString(Map.of("client_id", "mosquitto_dev_1", "username", "设备一", "message", text));
        Process pub = new ProcessBuilder(
                        "/usr/bin/mosquitto_pub",
                        "-h",
                        "127.0.0.1",
                        "-p",
                        String.valueOf(product.mqttPort()),
                        "-V",
                        "mqttv5",
                        "-q",
                        "1",
                        "-t",
                        "chatroom/messages/in",
                        "-m",
                        payload)
                .redirectErrorStream(true)
                .start();
        assertThat(pub.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(pub.exitValue())
                .as(new String(pub.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                .isZero();

        String qid = questionId(text);
        await().atMost(10, TimeUnit.SECONDS).until(() -> !product.answersTo(qid).isEmpty());
        JsonNode answer = product.answersTo(qid).getFirst();
        assertThat(answer.path("username").asText()).isEqualTo("智能助手");
        assertThat(answer.path("content").asText()).isEqualTo("Hello from the fake model.");
        assertThat(answer.path("room").asText()).isEqualTo("main");
        String replyId = answer.path("message_id").asText();

        List<JsonNode> stream = product.on("chatroom/messages/stream").stream()
                .filter(d -> d.path("message_id").asText().equals(replyId))
                .toList();
        assertThat(stream.getFirst().path("type").asText())
                .as("the room hears that the question was taken before the first piece")
                .isEqualTo("ai_thinking");
        assertThat(stream.getFirst().path("reply_to").asText()).isEqualTo(qid);
        assertThat(stream.getFirst().path("username").asText()).isEqualTo("智能助手");
        List<JsonNode> deltas = stream.stream()
                .filter(d -> d.path("type").asText().equals("ai_response_delta"))
                .sorted(Comparator.comparingInt(d -> d.path("seq").asInt()))
                .toList();
        assertThat(deltas)
                .isNotEmpty()
                .allSatisfy(d -> assertThat(d.path("type").asText()).isEqualTo("ai_response_delta"));
        assertThat(deltas.stream().map(d -> d.path("seq").asInt()).toList())
                .isEqualTo(Stream.iterate(0, i -> i + 1).limit(deltas.size()).toList());
        assertThat(String.join(
                        "", deltas.stream().map(d -> d.path("delta").asText()).toList()))
                .isEqualTo(answer.path("content").asText());
        assertThat(fake.messagesOf(0).getLast()).isEqualTo("user|设备一: 今天天气怎么样？");

        JsonNode history = product.getJson("/api/rooms/main/messages?limit=50").path("messages");
        assertThat(history.findValuesAsText("message_id")).contains(qid, replyId);
        await().during(QUIET)
                .atMost(5, TimeUnit.SECONDS)
                .until(() -> product.answersTo(qid).size() == 1);
    }

    @Test
    void the_model_sees_the_rooms_recent_messages_and_a_chat_room_system_prompt() {
        product.say("ctx", "ctx_alice", "Alice", "我喜欢蓝色");
        product.say("ctx", "ctx_bob", "Bob", "我喜欢红色");
        product.say("ctx", "ctx_alice", "Alice", "@智能助手 我们各自喜欢什么颜色？");

        String qid = questionId("@智能助手 我们各自喜欢什么颜色？");
        await().atMost(10, TimeUnit.SECONDS).until(() -> !product.answersTo(qid).isEmpty());
        List<String> seen = fake.messagesOf(0);
        assertThat(seen.getFirst()).startsWith("system|").contains("智能助手").contains("ctx");
        assertThat(seen.subList(1, seen.size()))
                .containsExactly("user|Alice: 我喜欢蓝色", "user|Bob: 我喜欢红色", "user|Alice: 我们各自喜欢什么颜色？");
    }

    @Test
    void a_message_without_a_mention_gets_no_reply_but_every_message_in_an_always_room_does() {
        product.say("main", "quiet_1", "Quiet", "no mention here, mail me at x@ai.com");
        product.say("always", "always_1", "Chatty", "hello room");

        String quiet = questionId("no mention here, mail me at x@ai.com");
        String chatty = questionId("hello room");
        await().atMost(10, TimeUnit.SECONDS)
                .until(() -> !product.answersTo(chatty).isEmpty());
        assertThat(product.answersTo(chatty).getFirst().path("room").asText()).isEqualTo("always");
        assertThat(product.on("chatroom/always/messages/stream")).isNotEmpty();
        await().during(QUIET)
                .atMost(5, TimeUnit.SECONDS)
                .until(() -> product.answersTo(quiet).isEmpty());
    }

    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of(
                        "unauthorized",
                        new FakeOpenAi.Status(
                                401, Map.of(), "{\"error\":{\"message\":\"Incorrect API key provided\"}}"),
                        "HTTP 401"),
                Arguments.of(
                        "ratelimited",
                        new FakeOpenAi.Status(
                                429, Map.of("Retry-After", "0"), "{\"error\":{\"message\":\"busy, key " + KEY + "\"}}"),
                        "HTTP 429"),
                Arguments.of("servererror", new FakeOpenAi.Status(500, Map.of(), "oops for key " + KEY), "HTTP 500"),
                Arguments.of("silent", new FakeOpenAi.Hang(), "超时"),
                Arguments.of("midway", new FakeOpenAi.StopMidway(List.of("一半", "的回答")), "中断"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failures")
    void a_failing_provider_gives_the_room_exactly_one_notice_and_no_ai_response(
            String asker, FakeOpenAi.Script script, String reason) {
        fake.byDefault(script);
        String text = "@AI question for " + asker;

        product.say("main", "client_" + asker, asker, text);

        String qid = questionId(text);
        await().atMost(15, TimeUnit.SECONDS)
                .until(() -> !product.notices("@" + asker).isEmpty());
        await().during(QUIET)
                .atMost(5, TimeUnit.SECONDS)
                .until(() -> product.notices("@" + asker).size() == 1);
        assertThat(product.notices("@" + asker).getFirst())
                .contains("智能助手")
                .contains(reason)
                .doesNotContain(KEY);
        assertThat(product.answersTo(qid)).isEmpty();
        assertThat(logsMentioningTheKey())
                .as("retries log the provider's words; a key it echoes is masked")
                .isEmpty();
        // the thinking shown for the question ends with an aborted marker, pieces or not
        await().atMost(5, TimeUnit.SECONDS)
                .untilAsserted(() -> assertThat(product.on("chatroom/messages/stream"))
                        .filteredOn(d -> d.path("type").asText().equals("ai_thinking")
                                && d.path("reply_to").asText().equals(qid))
                        .singleElement()
                        .satisfies(thinking -> assertThat(product.on("chatroom/messages/stream"))
                                .filteredOn(d -> d.path("message_id")
                                        .asText()
                                        .equals(thinking.path("message_id").asText()))
                                .last()
                                .satisfies(end -> assertThat(end.path("aborted").asBoolean())
                                        .isTrue())));
        if (script instanceof FakeOpenAi.StopMidway midway) {
            List<JsonNode> stream = product.on("chatroom/messages/stream");
            String replyId = stream.stream()
                    .filter(d ->
                            d.path("delta").asText().startsWith(midway.chunks().getFirst()))
                    .findFirst()
                    .orElseThrow()
                    .path("message_id")
                    .asText();
            // the stream and the system topic are separate addresses in the broker: no order between the two
            await().atMost(5, TimeUnit.SECONDS)
                    .untilAsserted(() -> assertThat(product.on("chatroom/messages/stream"))
                            .filteredOn(d -> d.path("message_id").asText().equals(replyId))
                            .last()
                            .satisfies(end -> {
                                assertThat(end.path("aborted").asBoolean())
                                        .as("the broken-off stream ends with an aborted marker")
                                        .isTrue();
                                assertThat(end.path("delta").asText()).isEmpty();
                            }));
        }
    }

    @Test
    void questions_beyond_the_queue_get_a_busy_notice_not_silence() {
        // slow enough that the third question finds the queue full, quick enough that the second (queued) one begins
        // within the first-token timeout, which counts its wait in the queue
        fake.byDefault(new FakeOpenAi.Stream(List.of("slow", " answer", " here"), Duration.ofMillis(300)));

        product.say("busy", "busy_1", "first", "@AI one");
        product.say("busy", "busy_2", "second", "@AI two");
        product.say("busy", "busy_3", "third", "@AI three");

        String one = questionId("@AI one");
        String two = questionId("@AI two");
        String three = questionId("@AI three");
        await().atMost(15, TimeUnit.SECONDS)
                .until(() -> !product.answersTo(one).isEmpty()
                        && !product.answersTo(two).isEmpty());
        await().atMost(5, TimeUnit.SECONDS)
                .until(() -> !product.errorsFor("busy_3").isEmpty());
        assertThat(product.errorsFor("busy_3")).singleElement().satisfies(error -> {
            assertThat(error.path("code").asText()).isEqualTo("BUSY");
            assertThat(error.path("message").asText()).contains("正忙");
        });
        assertThat(product.notices("正忙")).as("the room is not told").isEmpty();
        assertThat(product.answersTo(three)).isEmpty();
        assertThat(product.errorsFor("busy_1")).isEmpty();
        assertThat(product.errorsFor("busy_2")).isEmpty();
    }

    @Test
    void health_reports_the_provider_and_its_degradation_but_never_the_key() {
        product.say("health", "health_1", "healthy", "@AI are you there?");
        await().atMost(10, TimeUnit.SECONDS)
                .until(() ->
                        !product.answersTo(questionId("@AI are you there?")).isEmpty());
        JsonNode ai = product.getJson("/health").path("checks").path("ai");
        assertThat(ai.path("status").asText()).isEqualTo("up");
        assertThat(ai.path("detail").asText()).contains("fake-model").contains(fake.baseUrl());

        fake.byDefault(new FakeOpenAi.Status(401, Map.of(), "{\"error\":{\"message\":\"bad key " + KEY + "\"}}"));
        product.say("health", "health_1", "healthy", "@AI again?");
        await().atMost(10, TimeUnit.SECONDS)
                .until(() -> !product.notices("@healthy").isEmpty());
        await().atMost(5, TimeUnit.SECONDS)
                .until(
                        () -> product.getJson("/health")
                                .path("checks")
                                .path("ai")
                                .path("status")
                                .asText(),
                        "degraded"::equals);
        assertThat(product.getJson("/health")
                        .path("checks")
                        .path("ai")
                        .path("detail")
                        .asText())
                .contains("401");
        assertThat(product.get("/health").body()).doesNotContain(KEY);
        assertThat(product.get("/mqtt/status").body()).doesNotContain(KEY);
        assertThat(product.notices("@healthy").getFirst())
                .doesNotContain(KEY)
                .as("the room gets plain words; the provider's own text is for the log and /health")
                .doesNotContain("bad key");
        assertThat(product.getJson("/health")
                        .path("checks")
                        .path("ai")
                        .path("detail")
                        .asText())
                .contains("bad key ***");
        assertThat(logsMentioningTheKey()).isEmpty();
    }

    private static List<String> logsMentioningTheKey() {
        List<ILoggingEvent> events;
        synchronized (LOGS) {
            events = List.copyOf(LOGS.list);
        }
        return events.stream()
                .map(e -> e.getFormattedMessage()
                        + (e.getThrowableProxy() == null
                                ? ""
                                : e.getThrowableProxy().getMessage()))
                .filter(m -> m.contains(KEY))
                .toList();
    }
}
