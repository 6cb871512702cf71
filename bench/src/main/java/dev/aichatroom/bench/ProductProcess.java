package dev.aichatroom.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.TrustManagerFactory;

/**
 * The product jar running as its own process, as a user runs it (the README's {@code bin/ai-chatroom}, which starts
 * {@code java} with the product's JVM options and the jar), with its output in a log file. The launcher replaces itself
 * with the JVM ({@code exec}), so the process id is the JVM's and {@code /proc/PID/status} is its memory.
 */
final class ProductProcess implements AutoCloseable {
    /** Variables of the product that must not leak in from the bench's own environment. */
    private static final List<String> PRODUCT_PREFIXES =
            List.of("MQTT_", "CHAT_", "DATABASE_", "HTTP_", "AI_", "OPENAI_", "LLM_", "LOG_");

    /** Resident memory of a process, in KiB: now ({@code VmRSS}) and its peak so far ({@code VmHWM}). */
    record Memory(long rssKib, long peakKib) {
        /** Reads {@code /proc/PID/status} (Linux only). */
        static Memory of(long pid, String what) {
            try {
                long rss = 0;
                long peak = 0;
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                    if (line.startsWith("VmRSS:")) {
                        rss = kib(line);
                    } else if (line.startsWith("VmHWM:")) {
                        peak = kib(line);
                    }
                }
                return new Memory(rss, peak);
            } catch (IOException e) {
                throw new BenchException(
                        "cannot read the memory of " + what + " from /proc (Linux only): " + e.getMessage(), e);
            }
        }

        private static long kib(String statusLine) {
            return Long.parseLong(statusLine.replaceAll("[^0-9]", ""));
        }
    }

    private final Process process;
    private final long startedNanos;
    private final Path log;
    private final int httpPort;
    private final int mqttPort;
    private final int wsPort;
    private final int tlsPort;
    private final Optional<TrustManagerFactory> tls;

    private ProductProcess(
            Process process,
            long startedNanos,
            Path log,
            int httpPort,
            int mqttPort,
            int wsPort,
            int tlsPort,
            Optional<TrustManagerFactory> tls) {
        this.process = process;
        this.startedNanos = startedNanos;
        this.log = log;
        this.httpPort = httpPort;
        this.mqttPort = mqttPort;
        this.wsPort = wsPort;
        this.tlsPort = tlsPort;
        this.tls = tls;
    }

    /**
     * @param env the product's variables; {@code PORT} and {@code MQTT_PORT} must be among them, {@code MQTT_WS_PORT}
     *     may be
     * @param workDir the working directory, so that no stray {@code .env} is read
     */
    static ProductProcess start(Path jar, List<String> jvmArgs, Map<String, String> env, Path workDir, Path log) {
        Path launcher = BenchConfig.root(Path.of("").toAbsolutePath()).resolve("bin/ai-chatroom");
        if (!Files.isExecutable(launcher)) {
            throw new BenchException("no launcher " + launcher + ": run the bench from the repository root");
        }
        List<String> command = List.of(launcher.toAbsolutePath().toString());
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> environment = builder.environment();
        environment
                .keySet()
                .removeIf(k -> k.equals("PORT")
                        || k.equals("DATA_DIR")
                        || k.equals("JAVA_TOOL_OPTIONS")
                        || k.equals("JDK_JAVA_OPTIONS")
                        || PRODUCT_PREFIXES.stream().anyMatch(k::startsWith));
        environment.putAll(env);
        // the bench's JDK, the jar under test (its ahead-of-time cache, if any, next to it) and extra JVM options
        environment.put("JAVA_HOME", System.getProperty("java.home"));
        environment.put("AICHATROOM_JAR", jar.toAbsolutePath().toString());
        environment.put("JAVA_OPTS", String.join(" ", jvmArgs));
        try {
            Files.createDirectories(workDir);
            long started = System.nanoTime();
            Process p = builder.start();
            return new ProductProcess(
                    p,
                    started,
                    log,
                    Integer.parseInt(env.get("PORT")),
                    Integer.parseInt(env.get("MQTT_PORT")),
                    Integer.parseInt(env.getOrDefault("MQTT_WS_PORT", "0")),
                    Integer.parseInt(env.getOrDefault("MQTT_TLS_PORT", "0")),
                    Optional.ofNullable(env.get("TLS_CERT"))
                            .map(cert -> new SelfSigned(Path.of(cert), Path.of(env.get("TLS_KEY"))).trust()));
        } catch (IOException e) {
            throw new BenchException("cannot start " + String.join(" ", command) + ": " + e.getMessage(), e);
        }
    }

    /** Polls {@code GET /health} until it answers 200; returns the time from process start to that answer. */
    /** The CPU time (user + system) the product's process has used so far; zero where the OS does not tell. */
    Duration cpuTime() {
        return process.toHandle().info().totalCpuDuration().orElse(Duration.ZERO);
    }

    Duration awaitHealthy(Duration timeout) throws InterruptedException {
        URI health = URI.create((tls.isPresent() ? "https" : "http") + "://127.0.0.1:" + httpPort + "/health");
        HttpClient.Builder builder =
                HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).version(HttpClient.Version.HTTP_1_1);
        tls.ifPresent(t -> builder.sslContext(SelfSigned.context(t)));
        try (HttpClient http = builder.build()) {
            HttpRequest request = HttpRequest.newBuilder(health)
                    .timeout(Duration.ofSeconds(2))
                    .build();
            long deadline = startedNanos + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new BenchException("the product exited with code " + process.exitValue()
                            + " before it was healthy; see " + log + ":\n" + tail(20));
                }
                try {
                    if (http.send(request, HttpResponse.BodyHandlers.discarding())
                                    .statusCode()
                            == 200) {
                        return Duration.ofNanos(System.nanoTime() - startedNanos);
                    }
                } catch (IOException e) {
                    // not listening yet
                }
                Thread.sleep(20);
            }
        }
        throw new BenchException("the product was not healthy at " + health + " within " + timeout.toSeconds()
                + " s; see " + log + ":\n" + tail(20));
    }

    int mqttPort() {
        return mqttPort;
    }

    long pid() {
        return process.pid();
    }

    Memory memory() {
        return Memory.of(process.pid(), "the product");
    }

    int wsPort() {
        return wsPort;
    }

    /** MQTT over TLS, 0 without TLS. */
    int tlsPort() {
        return tlsPort;
    }

    /** The trust for the product's TLS listeners, when it has them. */
    Optional<TrustManagerFactory> tls() {
        return tls;
    }

    /** Lines of the product's log at WARN or ERROR level. */
    List<String> problems() {
        try {
            return Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                    .filter(l -> l.contains(" WARN ") || l.contains(" ERROR "))
                    .toList();
        } catch (IOException e) {
            return List.of("cannot read " + log + ": " + e.getMessage());
        }
    }

    private String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(" + e.getMessage() + ")";
        }
    }

    /** Asks the product to stop (SIGTERM, its shutdown hook runs) and waits; returns how long it took. */
    Duration stop() throws InterruptedException {
        long t0 = System.nanoTime();
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            throw new BenchException("the product did not stop within 20 s of SIGTERM; killed it. See " + log);
        }
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    /** SIGKILL: no shutdown hook, as a crash. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
