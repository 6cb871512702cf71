package dev.aichatroom.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What an operator's proxy and monitoring see: caching of the page's files and the Prometheus scrape. */
class OpsIT {
    private static TestProduct product;

    @BeforeAll
    static void start() {
        product = TestProduct.start(Map.of());
    }

    @AfterAll
    static void stop() {
        product.close();
    }

    @Test
    void hashed_assets_are_cached_for_a_year_and_the_pages_that_name_them_are_revalidated() {
        HttpResponse<String> page = product.get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-cache");
        Matcher asset = Pattern.compile("/assets/[A-Za-z0-9_.-]+\\.(js|css)").matcher(page.body());
        assertThat(asset.find()).as("the page names a built asset").isTrue();

        HttpResponse<String> file = product.get(asset.group());
        assertThat(file.statusCode()).isEqualTo(200);
        assertThat(file.headers().firstValue("Cache-Control")).hasValue("public, max-age=31536000, immutable");
        assertThat(file.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");

        assertThat(product.get("/voice.html").headers().firstValue("Cache-Control"))
                .hasValue("no-cache");
        assertThat(product.get("/assets/no-such-file.js").statusCode()).isEqualTo(404);
    }

    @Test
    void every_metric_says_what_it_measures() {
        String scrape = product.get("/metrics").body();
        List<String> blank = scrape.lines()
                .filter(l -> l.startsWith("# HELP "))
                .filter(l -> l.split(" ", 4).length < 4 || l.split(" ", 4)[3].isBlank())
                .toList();
        assertThat(blank).as("metrics without a HELP text").isEmpty();
    }

    @Test
    void the_scrape_counts_messages_refusals_connections_and_http_requests() {
        double inBefore = value("chat_inputs_received_total");
        double outBefore = value("chat_messages_out_total");
        try (TestMqtt client =
                TestMqtt.connect(product.mqttPort(), "ops-metrics").subscribe("chatroom/messages/out")) {
            client.publish(
                    "chatroom/messages/in",
                    "{\"client_id\":\"ops-metrics\",\"username\":\"Ops\",\"message\":\"counted\"}");
            client.tryPublish("chatroom/messages/in", "{\"client_id\":\"ops-metrics\",\"username\":\"Ops\"}");
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                assertThat(value("chat_inputs_received_total")).isGreaterThanOrEqualTo(inBefore + 1);
                assertThat(value("chat_messages_out_total")).isGreaterThanOrEqualTo(outBefore + 1);
                assertThat(product.get("/metrics").body())
                        .containsPattern("chat_inputs_rejected_total\\{code=\"[A-Z_]+\"");
                // the service's own connections and this client
                assertThat(value("mqtt_connections")).isGreaterThanOrEqualTo(2);
            });
        }
        product.get("/health");
        product.get("/");
        assertThat(product.get("/metrics").body())
                .containsPattern(
                        "http_server_requests_total\\{method=\"GET\",route=\"/health\",status=\"200\"\\} [1-9]")
                .containsPattern(
                        "http_server_requests_total\\{method=\"GET\",route=\"static\",status=\"200\"\\} [1-9]");
        // hostile paths do not make series of their own
        product.get("/no/such/path/" + "x".repeat(40));
        assertThat(product.get("/metrics").body()).doesNotContain("xxxxxxxxxx");
    }

    private static double value(String metric) {
        Matcher m = Pattern.compile("(?m)^" + metric + "(\\{[^}]*\\})? ([0-9.eE+-]+)$")
                .matcher(product.get("/metrics").body());
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(2));
        }
        return sum;
    }
}
