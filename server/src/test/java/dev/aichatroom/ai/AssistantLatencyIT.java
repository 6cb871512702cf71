package dev.aichatroom.ai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures what the service adds to a model's latency: time to first token and to the complete reply, seen by an MQTT
 * subscriber after publishing a question, against the same fake model called directly over HTTP. Writes {@code
 * target/ai-latency.md}. Reproduce: {@code ./mvnw -B -pl server verify -Dit.test=AssistantLatencyIT -Dtest=NONE
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Timeout(180)
class AssistantLatencyIT {
    private static final Logger LOG = LoggerFactory.getLogger(AssistantLatencyIT.class);
    private static final int CHUNKS = 20;
    private static final Duration GAP = Duration.ofMillis(10);
    private static final int WARMUP = 5;
    private static final int RUNS = 30;

    private record Sample(long firstMs, long totalMs) {}

    @Test
    void the_service_adds_little_to_first_token_and_total_reply_time() throws Exception {
        try (FakeOpenAi fake = new FakeOpenAi();
                AssistantTestProduct product = AssistantTestProduct.start(Map.of(
                        "AI_BASE_URL", fake.baseUrl(),
                        "AI_API_KEY", "sk-bench",
                        "AI_MODEL", "fake-model",
                        "AI_CONTEXT_MESSAGES", "10",
                        "CHAT_RATE_PER_MINUTE", "0"))) {
            List<String> chunks =
                    IntStream.range(0, CHUNKS).mapToObj(i -> "词" + i + " ").toList();
            fake.byDefault(new FakeOpenAi.Stream(chunks, GAP));

            List<Sample> direct = new ArrayList<>();
            List<Sample> service = new ArrayList<>();
            for (int i = 0; i < WARMUP + RUNS; i++) {
                Sample d = direct(fake.baseUrl());
                Sample s = throughService(product, i);
                if (i >= WARMUP) {
                    direct.add(d);
                    service.add(s);
                }
            }
            String report = report(direct, service);
            Path file = Path.of("target", "ai-latency.md");
            Files.createDirectories(file.getParent());
            Files.writeString(file, report);
            LOG.info("\n{}", report);

            long overheadTotal = p(service, Sample::totalMs, 50) - p(direct, Sample::totalMs, 50);
            assertThat(overheadTotal).as(report).isLessThan(1000);
        }
    }

    private static Sample direct(String baseUrl) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String body =
                "{\"model\":\"fake-model\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        long start = System.nanoTime();
        HttpResponse<java.io.InputStream> response = http.send(
                HttpRequest.newBuilder(URI.create(baseUrl + "/chat/completions"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        long first = -1;
        try (BufferedReader reader =
                new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (first < 0 && line.contains("\"content\":\"词")) {
                    first = System.nanoTime();
                }
                if (line.equals("data: [DONE]")) {
                    break;
                }
            }
        }
        long end = System.nanoTime();
        http.close();
        return new Sample((first - start) / 1_000_000, (end - start) / 1_000_000);
    }

    private static Sample throughService(AssistantTestProduct product, int i) {
        String text = "@AI bench question " + i;
        long start = System.nanoTime();
        product.say("bench", "bench_client", "bench", text);
        await().atMost(20, TimeUnit.SECONDS).until(() -> !product.out(text).isEmpty());
        String qid = product.out(text).getFirst().path("message_id").asText();
        await().atMost(20, TimeUnit.SECONDS).until(() -> !product.answersTo(qid).isEmpty());
        var all = product.received();
        String replyId = product.answersTo(qid).getFirst().path("message_id").asText();
        long first = all.stream()
                .filter(r -> r.topic().endsWith("/messages/stream"))
                .filter(r -> r.json().path("message_id").asText().equals(replyId))
                .filter(r -> r.json().path("type").asText().equals("ai_response_delta"))
                .mapToLong(AssistantTestProduct.Received::nanos)
                .min()
                .orElseThrow();
        long end = all.stream()
                .filter(r -> r.topic().endsWith("/messages/out"))
                .filter(r -> r.json().path("message_id").asText().equals(replyId))
                .mapToLong(AssistantTestProduct.Received::nanos)
                .min()
                .orElseThrow();
        return new Sample((first - start) / 1_000_000, (end - start) / 1_000_000);
    }

    private static long p(List<Sample> samples, java.util.function.ToLongFunction<Sample> f, int percentile) {
        List<Long> values = new ArrayList<>(samples.stream().map(f::applyAsLong).toList());
        Collections.sort(values);
        int index = (int) Math.ceil(percentile / 100.0 * values.size()) - 1;
        return values.get(Math.max(0, Math.min(values.size() - 1, index)));
    }

    private static String report(List<Sample> direct, List<Sample> service) {
        StringBuilder md = new StringBuilder();
        md.append("| path (")
                .append(RUNS)
                .append(" runs, ")
                .append(CHUNKS)
                .append(" chunks ")
                .append(GAP.toMillis())
                .append(" ms apart) | first token p50 | p90 | max | complete p50 | p90 | max |\n");
        md.append("|---|---|---|---|---|---|---|\n");
        row(md, "fake model over HTTP, direct", direct);
        row(md, "MQTT question → deltas / ai_response via the service", service);
        md.append("| service overhead (p50) | ")
                .append(p(service, Sample::firstMs, 50) - p(direct, Sample::firstMs, 50))
                .append(" ms | | | ")
                .append(p(service, Sample::totalMs, 50) - p(direct, Sample::totalMs, 50))
                .append(" ms | | |\n");
        return md.toString();
    }

    private static void row(StringBuilder md, String name, List<Sample> s) {
        md.append("| ").append(name);
        for (java.util.function.ToLongFunction<Sample> f :
                List.<java.util.function.ToLongFunction<Sample>>of(Sample::firstMs, Sample::totalMs)) {
            md.append(" | ")
                    .append(p(s, f, 50))
                    .append(" ms | ")
                    .append(p(s, f, 90))
                    .append(" ms | ");
            md.append(s.stream().mapToLong(f).max().orElse(0)).append(" ms");
        }
        md.append(" |\n");
    }
}
