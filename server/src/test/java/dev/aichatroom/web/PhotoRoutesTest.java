package dev.aichatroom.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aichatroom.mqtt.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The photo routes on a real HTTP listener (port 0), without the rest of the product. */
class PhotoRoutesTest {
    private static final byte[] JPEG = {(byte) 0xff, (byte) 0xd8, (byte) 0xff, (byte) 0xe0, 0, 16, 'J', 'F', 'I', 'F'};
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dataDir;

    private HttpServer server;

    private String start(PhotoRoutes routes) {
        server = new HttpServer(new HttpConfig("127.0.0.1", 0), List.of(routes));
        server.start();
        return "http://127.0.0.1:" + server.port();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static HttpResponse<byte[]> post(String url, String type, byte[] body) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(url + "/api/photos"))
                        .header("Content-Type", type)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private static HttpResponse<byte[]> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String code(HttpResponse<byte[]> response) {
        return Json.tree(response.body())
                .map(b -> b.path("error").path("code").asText())
                .orElse("");
    }

    @Test
    void stores_a_jpeg_under_a_random_name_and_serves_it_back() throws Exception {
        String base = start(PhotoRoutes.in(dataDir));
        HttpResponse<byte[]> stored = post(base, "image/jpeg", JPEG);
        assertThat(stored.statusCode()).isEqualTo(201);
        String url = Json.tree(stored.body()).map(b -> b.path("url").asText()).orElseThrow();
        assertThat(url).matches("/api/photos/[A-Za-z0-9_-]{22}\\.jpg");

        HttpResponse<byte[]> served = get(base + url);
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(served.headers().firstValue("Content-Type")).hasValue("image/jpeg");
        assertThat(served.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(served.body()).isEqualTo(JPEG);
        assertThat(dataDir.resolve("photos").resolve(url.substring("/api/photos/".length())))
                .exists();
        assertThat(post(base, "image/jpeg", JPEG).body()).isNotEqualTo(stored.body());
    }

    @Test
    void refuses_what_is_not_a_jpeg() throws Exception {
        String base = start(PhotoRoutes.in(dataDir));
        HttpResponse<byte[]> png = post(base, "image/jpeg", new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2});
        assertThat(png.statusCode()).isEqualTo(415);
        assertThat(code(png)).isEqualTo("NOT_JPEG");
        assertThat(post(base, "text/html", JPEG).statusCode()).isEqualTo(415);
        assertThat(post(base, "image/jpeg", new byte[0]).statusCode()).isEqualTo(415);
    }

    @Test
    void refuses_a_photo_over_the_size_limit() throws Exception {
        String base = start(PhotoRoutes.in(dataDir));
        byte[] big = new byte[PhotoRoutes.MAX_BYTES + 1];
        System.arraycopy(JPEG, 0, big, 0, JPEG.length);
        HttpResponse<byte[]> response = post(base, "image/jpeg", big);
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(code(response)).isEqualTo("TOO_LARGE");
        assertThat(dataDir.resolve("photos")).doesNotExist();
    }

    @Test
    void answers_404_for_unknown_or_malformed_names() throws Exception {
        String base = start(PhotoRoutes.in(dataDir));
        assertThat(get(base + "/api/photos/AAAAAAAAAAAAAAAAAAAAAA.jpg").statusCode())
                .isEqualTo(404);
        assertThat(get(base + "/api/photos/..%2Fchatroom.db").statusCode()).isEqualTo(404);
        assertThat(get(base + "/api/photos/x.png").statusCode()).isEqualTo(404);
    }

    @Test
    void keeps_only_the_newest_photos() throws Exception {
        String base = start(new PhotoRoutes(dataDir.resolve("photos"), 2, 0));
        for (int i = 0; i < 4; i++) {
            assertThat(post(base, "image/jpeg", JPEG).statusCode()).isEqualTo(201);
        }
        assertThat(photos()).hasSize(2);
    }

    @Test
    void limits_uploads_per_address() throws Exception {
        String base = start(new PhotoRoutes(dataDir.resolve("photos"), 10, 3)); // a burst of 1
        assertThat(post(base, "image/jpeg", JPEG).statusCode()).isEqualTo(201);
        HttpResponse<byte[]> limited = post(base, "image/jpeg", JPEG);
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(code(limited)).isEqualTo("RATE_LIMITED");
    }

    private List<Path> photos() throws IOException {
        try (Stream<Path> files = Files.list(dataDir.resolve("photos"))) {
            return files.toList();
        }
    }
}
