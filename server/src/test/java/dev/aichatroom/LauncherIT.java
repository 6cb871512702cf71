package dev.aichatroom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aichatroom.testing.FreePorts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's start command, {@code bin/ai-chatroom}, on the built jar: one process that is the JVM, running the serial
 * collector and, on JDK 25+, mapping the ahead-of-time cache the build wrote (docs/decisions/0024) with its module graph
 * and linked classes: the product's JVM never holds the incubating Vector API module (0031, 0035), also with the
 * default assistant, the local model, which runs in a JVM of its own.
 */
@Timeout(300)
class LauncherIT {
    private static final Path JAR = Path.of("target/ai-chatroom.jar");
    private static final Path CACHE = Path.of("target/ai-chatroom.aot");

    @TempDir
    Path dir;

    @Test
    void the_launcher_becomes_the_jvm_with_the_serial_collector_and_the_builds_cache() throws Exception {
        assertThat(JAR).as("the product jar (mvn package)").exists();
        boolean aot = Runtime.version().feature() >= 25;
        if (aot) {
            assertThat(CACHE)
                    .as("the ahead-of-time cache the build writes on JDK 25+")
                    .exists();
        }
        int http = FreePorts.next();
        ProcessBuilder pb = new ProcessBuilder("../bin/ai-chatroom")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("product.log").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("MQTT_") || k.startsWith("AI_") || k.startsWith("JAVA_"));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("AICHATROOM_JAR", JAR.toAbsolutePath().toString());
        pb.environment().put("DATA_DIR", dir.resolve("data").toString());
        pb.environment().put("PORT", String.valueOf(http));
        pb.environment().put("MQTT_PORT", String.valueOf(FreePorts.next()));
        pb.environment().put("MQTT_WS_PORT", String.valueOf(FreePorts.next()));
        // the defaults: the local model is the assistant
        pb.environment().put("VOICE_ENABLE", "false");
        Path aotLog = dir.resolve("aot.log");
        pb.environment().put("JAVA_OPTS", "-Xlog:aot=info:file=" + aotLog);
        Process product = pb.start();
        try (HttpClient client = HttpClient.newHttpClient()) {
            await().atMost(Duration.ofSeconds(240))
                    .pollInterval(Duration.ofMillis(200))
                    .ignoreExceptions()
                    .until(() -> {
                        assertThat(product.isAlive())
                                .as("the product runs (see %s)", dir)
                                .isTrue();
                        return client.send(get(http, "/health"), HttpResponse.BodyHandlers.discarding())
                                        .statusCode()
                                == 200;
                    });
            // exec: the launcher's process is the JVM itself, so its PID is what an operator or the bench measures
            assertThat(product.info().command())
                    .hasValueSatisfying(c -> assertThat(c).endsWith("/bin/java"));
            String metrics = client.send(get(http, "/metrics"), HttpResponse.BodyHandlers.ofString())
                    .body();
            assertThat(metrics).as("the serial collector's pools").contains("id=\"Tenured Gen\"");
            Matcher eden = Pattern.compile("(?m)^jvm_memory_max_bytes\\{[^}]*id=\"Eden Space\"[^}]*} (\\S+)$")
                    .matcher(metrics);
            assertThat(eden.find()).as("the eden's size in %s", metrics).isTrue();
            assertThat(Double.parseDouble(eden.group(1)))
                    .as(
                            "a young generation of 32 MB, not a third of a heap sized from the machine's memory (decision 0030)")
                    .isLessThanOrEqualTo(32 * 1024 * 1024);
            if (aot) {
                assertThat(Files.readString(Path.of("/proc", Long.toString(product.pid()), "maps")))
                        .as("the cache is mapped")
                        .contains(CACHE.toAbsolutePath().normalize().toString());
                // without the incubating Vector API module the JVM archives its module graph, and with it the classes
                // linked ahead of time (decisions 0031, 0035)
                assertThat(Files.readString(aotLog))
                        .contains("full module graph: enabled", "Using AOT-linked classes: true");
                assertThat(Files.readString(Path.of("/proc", Long.toString(product.pid()), "cmdline")))
                        .doesNotContain("jdk.incubator.vector");
            }
        } finally {
            product.destroy();
            if (!product.waitFor(60, TimeUnit.SECONDS)) {
                product.destroyForcibly();
            }
        }
    }

    private static HttpRequest get(int port, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .build();
    }
}
