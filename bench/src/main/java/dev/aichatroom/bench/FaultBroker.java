package dev.aichatroom.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's Mosquitto as an operator runs it for the product: persistence on, a queue large enough for the service's
 * session (docs/deployment.md), on one loopback port that survives its restarts; it can be stopped (SIGTERM: it saves
 * its persistence file) or killed (SIGKILL: it does not) and started again on the same port and files.
 */
final class FaultBroker implements AutoCloseable {
    private final Path binary;
    private final Path dir;
    private final int port;
    private final List<Path> logs = new ArrayList<>();
    private Process process;

    private FaultBroker(Path binary, Path dir, int port) {
        this.binary = binary;
        this.dir = dir;
        this.port = port;
    }

    /**
     * @param autosave {@code autosave_interval} in seconds (changes with {@code onChanges}), 0 for Mosquitto's default
     *     (1800 s)
     * @param onChanges {@code autosave_on_changes}: save after {@code autosave} changes (messages queued, retained,
     *     subscriptions) instead of every {@code autosave} seconds
     */
    static FaultBroker start(Path binary, Path dir, int autosave, boolean onChanges) throws InterruptedException {
        if (!Files.isExecutable(binary)) {
            throw new BenchException(binary + " is not an executable Mosquitto: install it (apt-get install mosquitto)"
                    + " or pass --mosquitto=PATH");
        }
        FaultBroker b = new FaultBroker(binary, dir, Ports.free());
        try {
            Files.createDirectories(dir);
            Files.writeString(
                    dir.resolve("mosquitto.conf"), config(b.port, dir, autosave, onChanges), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BenchException("cannot write Mosquitto's configuration in " + dir + ": " + e.getMessage(), e);
        }
        b.launch();
        return b;
    }

    static String config(int port, Path dir, int autosave, boolean onChanges) {
        return "listener " + port + " 127.0.0.1\n"
                + "allow_anonymous true\n"
                // started by root it would become 'mosquitto' and could not write the bench's files
                + "user root\n"
                + "persistence true\n"
                + "persistence_location " + dir.toAbsolutePath() + "/\n"
                + (autosave > 0 ? "autosave_interval " + autosave + "\n" : "")
                + (onChanges ? "autosave_on_changes true\n" : "")
                + "max_queued_messages " + "0" + "\n"
                + "log_type error\nlog_type warning\nlog_type notice\n";
    }

    void launch() throws InterruptedException {
        Path log = dir.resolve("mosquitto-" + (logs.size() + 1) + ".log");
        logs.add(log);
        try {
            process = new ProcessBuilder(
                            binary.toString(),
                            "-c",
                            dir.resolve("mosquitto.conf").toString())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
        } catch (IOException e) {
            throw new BenchException("cannot start " + binary + ": " + e.getMessage(), e);
        }
        if (!Ports.awaitListening("127.0.0.1", port, Duration.ofSeconds(20), process)) {
            throw new BenchException("Mosquitto did not listen on 127.0.0.1:" + port + " within 20 s; see " + log);
        }
    }

    /** SIGTERM and wait: Mosquitto writes its persistence file on the way out. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            throw new BenchException("Mosquitto did not stop within 30 s of SIGTERM");
        }
    }

    /** SIGKILL: whatever it had not saved is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    Endpoint endpoint() {
        return new Endpoint("127.0.0.1", port);
    }

    /** Warnings and errors of every run of it. */
    List<String> problems() {
        List<String> lines = new ArrayList<>();
        for (Path log : logs) {
            try {
                Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                        .filter(l -> l.contains("Warning") || l.contains("Error") || l.contains("dropped"))
                        .map(l -> l.replaceFirst("^\\d+: ", ""))
                        .forEach(lines::add);
            } catch (IOException e) {
                lines.add("cannot read " + log + ": " + e.getMessage());
            }
        }
        return lines;
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
