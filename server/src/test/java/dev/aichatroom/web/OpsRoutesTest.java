package dev.aichatroom.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code /metrics} on a real HTTP listener (port 0), without the rest of the product. */
class OpsRoutesTest {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void the_jvms_meters_are_bound_at_the_first_scrape_not_at_start() throws Exception {
        var registry = Meters.create();
        server = new HttpServer(
                new HttpConfig("127.0.0.1", 0),
                List.of(new OpsRoutes(
                        Map.of("store", () -> Health.up("test")), registry, List.of(new JvmMemoryMetrics()))));
        server.start();
        String url = "http://127.0.0.1:" + server.port();

        assertThat(get(url + "/health").statusCode()).isEqualTo(200);
        assertThat(registry.find("jvm.memory.used").meters())
                .as("nothing bound before a scrape")
                .isEmpty();

        String first = get(url + "/metrics").body();
        String second = get(url + "/metrics").body();

        assertThat(first).contains("jvm_memory_used_bytes{");
        assertThat(second.lines().filter(l -> l.startsWith("jvm_memory_used_bytes{")))
                .hasSameSizeAs(first.lines()
                        .filter(l -> l.startsWith("jvm_memory_used_bytes{"))
                        .toList());
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
