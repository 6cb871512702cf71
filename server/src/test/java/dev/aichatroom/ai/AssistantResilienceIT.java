package dev.aichatroom.ai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * A model provider that misbehaves — accepts the connection and never answers, trickles then stalls, keeps failing,
 * sends what is not JSON — against the real product: every asker gets one plain notice in bounded time, a failing
 * provider stops being called, and no notice shows an exception or a library class.
 */
@Timeout(90)
class AssistantResilienceIT {
    private static final Duration QUIET = Duration.ofMillis(700);
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private FakeOpenAi fake;
    private AssistantTestProduct product;

    @BeforeEach
    void start() throws Exception {
        logs.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
        fake = new FakeOpenAi();
    }

    @AfterEach
    void stop() {
        if (product != null) {
            product.close();
        }
        fake.close();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
    }

    private void startProduct(Map<String, String> settings) {
        Map<String, String> env = new HashMap<>(Map.of(
                "AI_PROVIDER", "openai-compatible",
                "AI_BASE_URL", fake.baseUrl(),
                "AI_MODEL", "fake-model",
                "CHAT_LANGUAGE", "en",
                "CHAT_RATE_BURST", "100"));
        env.putAll(settings);
        product = AssistantTestProduct.start(env);
    }

    /** When the question was published on the room's out topic, in nanoTime. */
    private long published(String text) {
        await().atMost(10, TimeUnit.SECONDS).until(() -> !product.out(text).isEmpty());
        return product.received().stream()
                .filter(r -> r.topic().endsWith("/messages/out"))
                .filter(r -> r.json().path("content").asText().equals(text))
                .findFirst()
                .orElseThrow()
                .nanos();
    }

    /** When the first notice naming {@code @asker} arrived, in nanoTime. */
    private long noticed(String asker) {
        await().atMost(60, TimeUnit.SECONDS)
                .until(() -> !product.notices("@" + asker).isEmpty());
        return product.received().stream()
                .filter(r -> r.topic().endsWith("/system"))
                .filter(r -> r.json().path("message").asText().contains("@" + asker))
                .findFirst()
                .orElseThrow()
                .nanos();
    }

    @Test
    void a_provider_that_never_answers_gives_every_admitted_asker_one_notice_within_the_first_token_timeout() {
        fake.byDefault(new FakeOpenAi.Hang());
        startProduct(Map.of(
                "AI_FIRST_TOKEN_TIMEOUT", "2",
                "AI_MAX_RETRIES", "2",
                "AI_MAX_CONCURRENT", "1",
                "AI_QUEUE_SIZE", "4",
                "AI_BREAKER_FAILURES", "0"));
        List<String> askers = IntStream.range(0, 5).mapToObj(i -> "hang" + i).toList();

        askers.forEach(a -> product.say("hang", "c_" + a, a, "@AI are you there, " + a + "?"));

        for (String a : askers) {
            long asked = published("@AI are you there, " + a + "?");
            Duration waited = Duration.ofNanos(noticed(a) - asked);
            assertThat(waited).as("%s waited for its notice, queued or not", a).isLessThan(Duration.ofMillis(3500));
        }
        await().during(QUIET)
                .atMost(5, TimeUnit.SECONDS)
                .until(() ->
                        askers.stream().allMatch(a -> product.notices("@" + a).size() == 1));
        assertThat(product.notices("@hang0").getFirst())
                .contains("did not start answering within 2 s")
                .doesNotContain("Exception");
        assertThat(fake.requests())
                .as("a call that produced nothing by the deadline is not tried again; most queued never call")
                .hasSizeLessThanOrEqualTo(askers.size());
    }

    @Test
    void a_stream_that_trickles_then_stalls_is_ended_by_the_idle_timeout_not_the_total_one() {
        fake.byDefault(new FakeOpenAi.TrickleThenHang(List.of("I think", " the answer is")));
        startProduct(Map.of("AI_FIRST_TOKEN_TIMEOUT", "5", "AI_IDLE_TOKEN_TIMEOUT", "1", "AI_TIMEOUT", "60"));

        product.say("main", "c_trickle", "trickle", "@AI tell me");

        long asked = published("@AI tell me");
        Duration waited = Duration.ofNanos(noticed("trickle") - asked);
        // the idle timeout (1 s) ended it, not the total (60 s): the wide margin keeps a loaded machine from failing it
        assertThat(waited).isLessThan(Duration.ofSeconds(20));
        assertThat(product.notices("@trickle").getFirst())
                .contains("stopped writing")
                .doesNotContain("Exception");
        await().atMost(5, TimeUnit.SECONDS)
                .untilAsserted(() -> assertThat(product.on("chatroom/messages/stream"))
                        .last()
                        .satisfies(end ->
                                assertThat(end.path("aborted").asBoolean()).isTrue()));
        assertThat(fake.requests()).hasSize(1);
    }

    @Test
    void a_provider_that_keeps_failing_is_no_longer_called_until_it_is_probed_again() {
        fake.byDefault(new FakeOpenAi.Status(500, Map.of(), "{\"error\":{\"message\":\"upstream exploded\"}}"));
        startProduct(Map.of("AI_MAX_RETRIES", "0", "AI_BREAKER_FAILURES", "3", "AI_BREAKER_OPEN", "3"));
        for (int i = 0; i < 3; i++) {
            product.say("main", "c_fail" + i, "fail" + i, "@AI question " + i);
            noticed("fail" + i);
        }
        assertThat(fake.requests()).hasSize(3);

        product.say("main", "c_fail3", "fail3", "@AI question 3");
        product.say("main", "c_fail4", "fail4", "@AI question 4");

        noticed("fail3");
        noticed("fail4");
        assertThat(fake.requests())
                .as("the open breaker keeps the provider out of it")
                .hasSize(3);
        assertThat(product.notices("@fail4").getFirst()).contains("failed repeatedly");
        assertThat(product.getJson("/health")
                        .path("checks")
                        .path("ai")
                        .path("detail")
                        .asText())
                .contains("paused");
        assertThat(warnings("failed repeatedly")).as("the pause is logged once").hasSize(1);

        fake.byDefault(FakeOpenAi.text("Back", " again."));
        await().atMost(15, TimeUnit.SECONDS)
                .until(() -> !product.getJson("/health")
                        .path("checks")
                        .path("ai")
                        .path("detail")
                        .asText()
                        .contains("paused"));
        product.say("main", "c_ok", "ok", "@AI are you back?");
        String qid = questionId("@AI are you back?");
        await().atMost(10, TimeUnit.SECONDS).until(() -> !product.answersTo(qid).isEmpty());
        assertThat(product.answersTo(qid).getFirst().path("content").asText()).isEqualTo("Back again.");
        assertThat(product.getJson("/health")
                        .path("checks")
                        .path("ai")
                        .path("status")
                        .asText())
                .isEqualTo("up");
    }

    @Test
    void notices_name_the_problem_in_plain_words_never_an_exception_or_library_class() {
        fake.byDefault(new FakeOpenAi.Garbage("{\"choices\": [ this is not json"));
        startProduct(Map.of("AI_MAX_RETRIES", "0"));

        product.say("main", "c_garbage", "garbage", "@AI hello?");

        noticed("garbage");
        String notice = product.notices("@garbage").getFirst();
        assertThat(notice)
                .doesNotContainIgnoringCase("exception")
                .doesNotContain("dev.langchain4j")
                .doesNotContain("com.fasterxml")
                .doesNotContain("Json")
                .contains("could not answer @garbage");
        assertThat(warnings("No reply to"))
                .as("the detail goes to the log, once")
                .singleElement()
                .satisfies(m -> assertThat(m).containsIgnoringCase("json"));
    }

    private String questionId(String text) {
        await().atMost(10, TimeUnit.SECONDS).until(() -> !product.out(text).isEmpty());
        JsonNode q = product.out(text).getFirst();
        return q.path("message_id").asText();
    }

    private List<String> warnings(String part) {
        synchronized (logs) {
            return logs.list.stream()
                    .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                    .map(ILoggingEvent::getFormattedMessage)
                    .filter(m -> m.contains(part))
                    .toList();
        }
    }
}
