package dev.aichatroom.mcp.mqtt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * A real Mosquitto broker on a free loopback port, started from a generated config file. Fails (never skips) when
 * Mosquitto is missing: install it with {@code apt-get install -y mosquitto}.
 */
final class MosquittoBroker implements AutoCloseable {

    private static final List<String> CANDIDATES = List.of("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto");

    private final Path dir;
    private final Path log;
    private final int port;
    private final Process process;

    private MosquittoBroker(Path dir, Path log, int port, Process process) {
        this.dir = dir;
        this.log = log;
        this.port = port;
        this.process = process;
    }

    static MosquittoBroker start() {
        String binary = CANDIDATES.stream()
                .filter(p -> Files.isExecutable(Path.of(p)))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("Mosquitto not found (looked in " + CANDIDATES
                        + "); install it: apt-get install -y mosquitto"));
        try {
            Path dir = Files.createTempDirectory("mosquitto-test");
            int port = freePort();
            Path log = dir.resolve("mosquitto.log");
            Files.createFile(log);
            // Mosquitto started as root drops to its own user; let it write its log (flushed per line, unlike stdout)
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
            Files.setPosixFilePermissions(log, PosixFilePermissions.fromString("rw-rw-rw-"));
            Path conf = dir.resolve("mosquitto.conf");
            Files.writeString(
                    conf,
                    String.join(
                            "\n",
                            "listener " + port + " 127.0.0.1",
                            "allow_anonymous true",
                            "persistence false",
                            "log_dest file " + log,
                            "log_type all",
                            "log_timestamp true",
                            "log_timestamp_format %H:%M:%S",
                            ""),
                    StandardCharsets.UTF_8);
            Process process = new ProcessBuilder(binary, "-c", conf.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("mosquitto.out").toFile())
                    .start();
            // never leave a broker behind, even if the test JVM is stopped before @AfterAll
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "mosquitto-" + port + "-reaper"));
            MosquittoBroker broker = new MosquittoBroker(dir, log, port, process);
            broker.awaitListening(Duration.ofSeconds(10));
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int port() {
        return port;
    }

    MqttConnectionConfig connection() {
        return MqttConnectionConfig.of("127.0.0.1", port);
    }

    /** The broker's log so far (log_type all: every packet it received and sent). */
    List<String> logLines() {
        try {
            return Files.readAllLines(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitListening(Duration timeout) {
        try {
            Awaitility.await("Mosquitto listening on port " + port)
                    .atMost(timeout)
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        if (!process.isAlive()) {
                            throw new IllegalStateException(
                                    "Mosquitto exited with " + process.exitValue() + ": " + logLines());
                        }
                        try (Socket s = new Socket()) {
                            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                            return true;
                        } catch (IOException notYet) {
                            return false;
                        }
                    });
        } catch (RuntimeException e) {
            process.destroyForcibly();
            throw e;
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // temp files; best effort
        }
    }
}
