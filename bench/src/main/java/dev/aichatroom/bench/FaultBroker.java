package dev.aichatroom.bench;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The external broker of a fault scenario, on one loopback port that survives its restarts; it can be stopped
 * (SIGTERM) or killed (SIGKILL) and started again on the same port and files. Either Debian's Mosquitto as an
 * operator runs it for the product: persistence on, a queue large enough for the service's session
 * (docs/deployment.md), saved when stopped (SIGTERM) and every autosave interval, not when killed; or ActiveMQ Artemis
 * ({@link ArtemisBroker}), which syncs its journal to disk before it acknowledges a persistent message.
 */
final class FaultBroker implements AutoCloseable {
    /** Which broker. */
    enum Kind {
        MOSQUITTO("mosquitto", "Mosquitto"),
        ARTEMIS("artemis", "Artemis");

        private final String label;
        private final String product;

        Kind(String label, String product) {
            this.label = label;
            this.product = product;
        }

        String label() {
            return label;
        }

        String product() {
            return product;
        }

        static Kind of(String label) {
            for (Kind k : values()) {
                if (k.label.equals(label.strip())) {
                    return k;
                }
            }
            throw new BenchException("--broker=" + label + ": use mosquitto or artemis");
        }
    }

    private final Kind kind;
    private final Path binary;
    private final Path dir;
    private final int port;
    private final List<Path> logs = new ArrayList<>();
    private Process process;

    private FaultBroker(Kind kind, Path binary, Path dir, int port) {
        this.kind = kind;
        this.binary = binary;
        this.dir = dir;
        this.port = port;
    }

    /**
     * ActiveMQ Artemis in a process of its own: the product jar (which holds Artemis) and the bench's jar (which holds
     * {@link ArtemisBroker}) on its class path, its journal in {@code dir}.
     */
    static FaultBroker startArtemis(Path productJar, Path dir) throws InterruptedException {
        if (!Files.isRegularFile(productJar)) {
            throw new BenchException(productJar + " is missing: build it first (./mvnw -pl bench -am package)");
        }
        FaultBroker b = new FaultBroker(Kind.ARTEMIS, productJar, dir, Ports.free());
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("logback.xml"), ARTEMIS_LOGGING, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BenchException("cannot write Artemis' logging setup in " + dir + ": " + e.getMessage(), e);
        }
        b.launch();
        return b;
    }

    private static final String ARTEMIS_LOGGING = """
            <configuration>
              <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n</pattern></encoder>
              </appender>
              <root level="WARN"><appender-ref ref="OUT"/></root>
            </configuration>
            """;

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
        FaultBroker b = new FaultBroker(Kind.MOSQUITTO, binary, dir, Ports.free());
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
        Path log = dir.resolve(kind.label() + "-" + (logs.size() + 1) + ".log");
        logs.add(log);
        try {
            process = new ProcessBuilder(command())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
        } catch (IOException e) {
            throw new BenchException("cannot start " + binary + ": " + e.getMessage(), e);
        }
        // a JVM on busy cores takes longer than Mosquitto
        Duration within = Duration.ofSeconds(kind == Kind.MOSQUITTO ? 20 : 120);
        if (!Ports.awaitListening("127.0.0.1", port, within, process)) {
            throw new BenchException(kind.product() + " did not listen on 127.0.0.1:" + port + " within "
                    + within.toSeconds() + " s; see " + log);
        }
    }

    private List<String> command() {
        if (kind == Kind.MOSQUITTO) {
            return List.of(
                    binary.toString(), "-c", dir.resolve("mosquitto.conf").toString());
        }
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        String benchJar;
        try {
            benchJar = Path.of(ArtemisBroker.class
                            .getProtectionDomain()
                            .getCodeSource()
                            .getLocation()
                            .toURI())
                    .toString();
        } catch (java.net.URISyntaxException e) {
            throw new BenchException("cannot find the bench's own jar: " + e.getMessage(), e);
        }
        return List.of(
                javaBin,
                "-Xmx512m",
                "--enable-native-access=ALL-UNNAMED",
                "-Dlogback.configurationFile=" + dir.resolve("logback.xml"),
                "-cp",
                binary + File.pathSeparator + benchJar,
                ArtemisBroker.class.getName(),
                Integer.toString(port),
                dir.toString());
    }

    Kind kind() {
        return kind;
    }

    /** SIGTERM and wait: Mosquitto writes its persistence file on the way out. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            throw new BenchException(kind.product() + " did not stop within 30 s of SIGTERM");
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
                        .filter(l -> l.contains("Warning")
                                || l.contains("Error")
                                || l.contains("dropped")
                                || l.contains(" WARN ")
                                || l.contains(" ERROR "))
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
