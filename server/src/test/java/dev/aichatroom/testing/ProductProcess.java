package dev.aichatroom.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;

/**
 * The product's jar ({@code target/ai-chatroom.jar}) as a process of its own, for a test that kills it (SIGKILL) while
 * other instances run in the test's JVM: no AI, voice or MCP, its output in {@code dir/NAME.log}.
 */
public final class ProductProcess {
    public static final Path JAR = Path.of("target/ai-chatroom.jar");

    private ProductProcess() {}

    /**
     * Starts the jar with {@code env} (the test's own MQTT_, AI_ and CHAT_ variables removed), its data under {@code
     * dir}, HTTP on {@code http}, and waits until its {@code /health} says 200.
     */
    public static Process startHealthy(Path dir, String name, Map<String, String> env, int http) throws IOException {
        assertThat(JAR).as("the product jar (mvn package)").exists();
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder(
                        java, "-jar", JAR.toAbsolutePath().toString())
                .directory(Files.createDirectories(dir.resolve("cwd-" + name)).toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log(dir, name).toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("MQTT_") || k.startsWith("AI_") || k.startsWith("CHAT_"));
        pb.environment().put("AI_PROVIDER", "none");
        pb.environment().put("VOICE_ENABLE", "false");
        pb.environment().put("MCP_ENABLE", "false");
        pb.environment().putAll(env);
        pb.environment().put("DATA_DIR", dir.resolve("data-" + name).toString());
        pb.environment().put("PORT", String.valueOf(http));
        Process product = pb.start();
        awaitHealthy(http, product, dir);
        return product;
    }

    /** Copies the process's log to {@code target/TEST-NAME.log}, where the build keeps it. */
    public static void keepLog(Path dir, String name, String test) throws IOException {
        if (Files.exists(log(dir, name))) {
            Files.copy(
                    log(dir, name), Path.of("target", test + "-" + name + ".log"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static Path log(Path dir, String name) {
        return dir.resolve(name + ".log");
    }

    private static void awaitHealthy(int http, Process product, Path dir) {
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/health"))
                    .build();
            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(200))
                    .ignoreExceptions()
                    .until(() -> {
                        assertThat(product.isAlive())
                                .as("the product is running (see %s)", dir)
                                .isTrue();
                        return client.send(health, HttpResponse.BodyHandlers.discarding())
                                        .statusCode()
                                == 200;
                    });
        }
    }
}
