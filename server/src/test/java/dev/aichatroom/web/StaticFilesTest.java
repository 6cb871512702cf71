package dev.aichatroom.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.javalin.config.RoutesConfig;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The page's files served from a jar on a real HTTP listener (port 0), as the product's jar serves them. */
class StaticFilesTest {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String INDEX = "<!doctype html><script src=\"/assets/app-1a2B.js\"></script>";
    private static final String SCRIPT = "console.log('the page');\n".repeat(200);

    @TempDir
    Path dir;

    private Path jar;
    private URLClassLoader loader;
    private HttpServer server;
    private String url;

    @BeforeEach
    void start() throws Exception {
        jar = dir.resolve("page.jar");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(jar))) {
            put(out, "public/index.html", INDEX);
            put(out, "public/voice.html", "<!doctype html>voice");
            put(out, "public/favicon.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
            put(out, "public/assets/app-1a2B.js", SCRIPT);
            put(out, "public/assets/app-1a2B.css", "body{}");
            put(out, "secret.txt", "not for the web");
            put(out, "public/.hidden", "not for the web");
        }
        loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null);
        Consumer<RoutesConfig> health = routes -> routes.get("/health", ctx -> ctx.result("up"));
        server = new HttpServer(new HttpConfig("127.0.0.1", 0), List.of(health, new StaticFiles("public", loader)));
        server.start();
        url = "http://127.0.0.1:" + server.port();
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        loader.close();
    }

    private static void put(ZipOutputStream out, String name, String content) throws Exception {
        out.putNextEntry(new ZipEntry(name));
        out.write(content.getBytes(StandardCharsets.UTF_8));
        out.closeEntry();
    }

    private HttpResponse<byte[]> get(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + path));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String text(HttpResponse<byte[]> response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    @Test
    void the_page_is_served_at_the_root_with_its_policy_and_revalidated_on_every_load() throws Exception {
        for (String path : List.of("/", "/index.html")) {
            HttpResponse<byte[]> page = get(path);
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(text(page)).isEqualTo(INDEX);
            assertThat(page.headers().firstValue("Content-Type").map(t -> t.replace(" ", "")))
                    .hasValue("text/html;charset=utf-8");
            StaticFiles.PAGE_HEADERS.forEach((name, value) ->
                    assertThat(page.headers().firstValue(name)).as(name).hasValue(value));
        }
        assertThat(text(get("/voice.html"))).isEqualTo("<!doctype html>voice");
        HttpResponse<byte[]> icon = get("/favicon.svg");
        assertThat(icon.headers().firstValue("Content-Type")).hasValue("image/svg+xml");
        assertThat(icon.headers().firstValue("Cache-Control")).hasValue("no-cache");
    }

    @Test
    void hashed_assets_are_cached_for_a_year_with_their_type_and_compressed() throws Exception {
        HttpResponse<byte[]> script = get("/assets/app-1a2B.js", "Accept-Encoding", "gzip");
        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        assertThat(script.headers().firstValue("Cache-Control")).hasValue("public, max-age=31536000, immutable");
        assertThat(script.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(script.headers().firstValue("Content-Encoding")).hasValue("gzip");
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        try (GZIPInputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(script.body()));
                OutputStream out = plain) {
            in.transferTo(out);
        }
        assertThat(plain.toString(StandardCharsets.UTF_8)).isEqualTo(SCRIPT);
        assertThat(get("/assets/app-1a2B.css").headers().firstValue("Content-Type"))
                .hasValue("text/css; charset=utf-8");
    }

    @Test
    void a_file_the_browser_holds_is_not_sent_again() throws Exception {
        HttpResponse<byte[]> first = get("/assets/app-1a2B.js");
        String etag = first.headers().firstValue("ETag").orElseThrow();
        assertThat(etag).matches("\"[A-Za-z0-9_-]{24}\"");
        assertThat(get("/", "If-None-Match", etag).statusCode())
                .as("another file's tag")
                .isEqualTo(200);
        HttpResponse<byte[]> again = get("/assets/app-1a2B.js", "If-None-Match", "\"other\", " + etag);
        assertThat(again.statusCode()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
        assertThat(again.headers().firstValue("ETag")).hasValue(etag);
    }

    @Test
    void head_answers_the_headers_without_the_file() throws Exception {
        HttpResponse<byte[]> head = HTTP.send(
                HttpRequest.newBuilder(URI.create(url + "/"))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.headers().firstValue("Content-Security-Policy")).isPresent();
    }

    @Test
    void other_routes_keep_their_paths_and_nothing_outside_the_folder_is_served() throws Exception {
        assertThat(text(get("/health"))).isEqualTo("up");
        for (String path : List.of(
                "/assets/nope.js",
                "/nope.html",
                "/assets/",
                "/assets",
                "/secret.txt",
                "/.hidden",
                "/..%2Fsecret.txt",
                "/assets/..%2F..%2Fsecret.txt",
                "/assets/%2e%2e%2f%2e%2e%2fsecret.txt",
                "/index.html%00.js")) {
            HttpResponse<byte[]> response = get(path);
            assertThat(response.statusCode()).as(path).isIn(400, 404);
            assertThat(text(response)).as(path).doesNotContain("not for the web");
        }
        // on a connection of its own: the JDK client does not retry a POST, and a connection the server closed
        // after one of the refusals above was once picked for it ("header parser received no bytes", CI at load 20)
        HttpClient fresh =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        assertThat(fresh.send(
                                HttpRequest.newBuilder(URI.create(url + "/index.html"))
                                        .POST(HttpRequest.BodyPublishers.ofString("x"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .statusCode())
                .isEqualTo(404);
    }

    @Test
    void the_jar_is_read_in_place_not_mounted_as_a_file_system() throws Exception {
        assertThat(get("/").statusCode()).isEqualTo(200);
        assertThat(get("/assets/app-1a2B.js").statusCode()).isEqualTo(200);
        // Jetty's resource handler mounted the whole jar (40,000 entries in the product's) as a zip file system at
        // start: 0.4 s of CPU before /health could answer
        assertThatThrownBy(() -> FileSystems.getFileSystem(URI.create("jar:" + jar.toUri())))
                .isInstanceOf(FileSystemNotFoundException.class);
    }
}
