package dev.aichatroom.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
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
 * The product's jar (target/ai-chatroom.jar, built by {@code mvn package}) as a process of its own, for tests that
 * kill it (SIGKILL) and start it again on the same data: what an operator's process manager does.
 */
public final class ProductProcess {
    /** The jar the build wrote; integration tests run after {@code package}. */
    public static final Path JAR = Path.of("target/ai-chatroom.jar");

    private ProductProcess() {}

    /**
     * Starts the jar with {@code dir/cwd} as its working directory, {@code dir/data} as {@code DATA_DIR} and its output
     * appended to {@code dir/log}. The test's own {@code MQTT_*}, {@code AI_*} and {@code CHAT_*} variables are not
     * passed on; the assistant, voice and MCP are off unless {@code env} (applied last) says otherwise.
     */
    public static Process start(Path dir, String log, Map<String, String> env) {
        assertThat(JAR).as("the product jar (mvn package)").exists();
        String java = ProcessHandle.current().info().command().orElse("java");
        try {
            ProcessBuilder pb = new ProcessBuilder(
                            java, "-jar", JAR.toAbsolutePath().toString())
                    .directory(Files.createDirectories(dir.resolve("cwd")).toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(
                            ProcessBuilder.Redirect.appendTo(dir.resolve(log).toFile()));
            Map<String, String> environment = pb.environment();
            environment.keySet().removeIf(k -> k.startsWith("MQTT_") || k.startsWith("AI_") || k.startsWith("CHAT_"));
            environment.put("DATA_DIR", dir.resolve("data").toString());
            environment.put("AI_PROVIDER", "none");
            environment.put("VOICE_ENABLE", "false");
            environment.put("MCP_ENABLE", "false");
            environment.putAll(env);
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + JAR, e);
        }
    }

    /** {@link #start} with the embedded broker on {@code mqtt} (TCP) and {@code ws} (WebSocket), HTTP on {@code http}. */
    public static Process startEmbedded(Path dir, String log, int http, int mqtt, int ws, Map<String, String> env) {
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("PORT", String.valueOf(http));
        all.put("MQTT_PORT", String.valueOf(mqtt));
        all.put("MQTT_WS_PORT", String.valueOf(ws));
        return start(dir, log, all);
    }

    /**
     * {@link #start} with its data in {@code dir/data-NAME}, its output in {@code dir/NAME.log} and HTTP on {@code
     * http}, then {@link #awaitHealthy}: for a test that runs more than one product process in one directory.
     */
    public static Process startHealthy(Path dir, String name, Map<String, String> env, int http) {
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("DATA_DIR", dir.resolve("data-" + name).toString());
        all.put("PORT", String.valueOf(http));
        Process product = start(dir, name + ".log", all);
        awaitHealthy(http, product, dir);
        return product;
    }

    /** Copies {@code dir/NAME.log} to {@code target/TEST-NAME.log}, where the build keeps it after the directory goes. */
    public static void keepLog(Path dir, String name, String test) throws IOException {
        Path log = dir.resolve(name + ".log");
        if (Files.exists(log)) {
            Files.copy(log, Path.of("target", test + "-" + name + ".log"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Waits (2 minutes at most) until {@code GET /health} on {@code http} answers 200, failing if the process ends. */
    public static void awaitHealthy(int http, Process product, Path dir) {
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
