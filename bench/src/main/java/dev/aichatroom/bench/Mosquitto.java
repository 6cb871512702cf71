package dev.aichatroom.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A Mosquitto broker of our own on a free loopback port, anonymous, without persistence. */
final class Mosquitto implements AutoCloseable {
    private final Process process;
    private final int port;
    private final int wsPort;
    private final Path log;

    private Mosquitto(Process process, int port, int wsPort, Path log) {
        this.process = process;
        this.port = port;
        this.wsPort = wsPort;
        this.log = log;
    }

    static Mosquitto start(Path binary, Path workDir, int maxQueued, boolean noDelay) throws InterruptedException {
        return start(binary, workDir, maxQueued, noDelay, false);
    }

    /**
     * @param maxQueued Mosquitto's {@code max_queued_messages}, or 0 to leave its default (1000)
     * @param webSocket whether to add a second, WebSocket listener on another free loopback port
     */
    static Mosquitto start(Path binary, Path workDir, int maxQueued, boolean noDelay, boolean webSocket)
            throws InterruptedException {
        if (!Files.isExecutable(binary)) {
            throw new BenchException(
                    binary + " is not an executable Mosquitto: install it (apt-get install mosquitto) or pass"
                            + " --mosquitto=PATH, or leave it out with --brokers=embedded");
        }
        int port = Ports.free();
        int wsPort = webSocket ? Ports.free() : 0;
        try {
            Files.createDirectories(workDir);
            Path conf = workDir.resolve("mosquitto.conf");
            Files.writeString(conf, config(port, wsPort, maxQueued, noDelay), StandardCharsets.UTF_8);
            Path log = workDir.resolve("mosquitto.log");
            Process p = new ProcessBuilder(binary.toString(), "-c", conf.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            Mosquitto m = new Mosquitto(p, port, wsPort, log);
            for (int listening : wsPort > 0 ? List.of(port, wsPort) : List.of(port)) {
                if (!Ports.awaitListening("127.0.0.1", listening, Duration.ofSeconds(10), p)) {
                    m.close();
                    throw new BenchException(
                            "Mosquitto did not listen on 127.0.0.1:" + listening + " within 10 s; see " + log);
                }
            }
            return m;
        } catch (IOException e) {
            throw new BenchException("cannot start " + binary + ": " + e.getMessage(), e);
        }
    }

    /**
     * The configuration: loopback only, anonymous, no persistence, as the product's README tells users. Mosquitto
     * 2.0.11 drops QoS 1 messages for a subscriber that is far less than {@code max_queued_messages} behind (seen with
     * about 400 unacknowledged at the default of 1000), which would turn the anchor into a loss test; so the bench
     * raises the limit unless told not to. Mosquitto leaves Nagle's algorithm on by default ({@code set_tcp_nodelay
     * false}), which is what its users run, so the bench does too unless told otherwise.
     *
     * @param wsPort a second listener speaking MQTT over WebSocket, or 0 for none
     */
    static String config(int port, int wsPort, int maxQueued, boolean noDelay) {
        return "listener " + port + " 127.0.0.1\n"
                + (wsPort > 0 ? "listener " + wsPort + " 127.0.0.1\nprotocol websockets\n" : "")
                + "allow_anonymous true\npersistence false\n"
                + (maxQueued > 0 ? "max_queued_messages " + maxQueued + "\n" : "")
                + (noDelay ? "set_tcp_nodelay true\n" : "");
    }

    /** The first line of {@code mosquitto -h}, e.g. {@code mosquitto version 2.0.11}. */
    static String version(Path binary) {
        try {
            Process p = new ProcessBuilder(binary.toString(), "-h")
                    .redirectErrorStream(true)
                    .start();
            List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                    .lines()
                    .toList();
            p.waitFor(5, TimeUnit.SECONDS);
            return lines.isEmpty() ? "unknown" : lines.getFirst().strip();
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    /** Lines of its log that tell of dropped messages, warnings or errors. */
    List<String> problems() {
        try {
            return Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                    .filter(l -> l.contains("dropped") || l.contains("Warning") || l.contains("Error"))
                    .toList();
        } catch (IOException e) {
            return List.of("cannot read " + log + ": " + e.getMessage());
        }
    }

    Endpoint endpoint() {
        return new Endpoint("127.0.0.1", port);
    }

    /** Its WebSocket listener; only when started with one. */
    Endpoint webSocketEndpoint() {
        return new Endpoint("127.0.0.1", wsPort);
    }

    ProductProcess.Memory memory() {
        return ProductProcess.Memory.of(process.pid(), "Mosquitto");
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
