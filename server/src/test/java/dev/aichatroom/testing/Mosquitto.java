package dev.aichatroom.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;

/** Debian's Mosquitto on a free loopback port, as the external broker. */
public final class Mosquitto implements AutoCloseable {
    private final int port;
    private final Path dir;
    private int tlsPort;
    private Process process;

    private Mosquitto(int port, Path dir) {
        this.port = port;
        this.dir = dir;
    }

    /** @param persistent keep sessions and queued messages across a restart of this broker */
    public static Mosquitto start(boolean persistent) {
        return start(persistent, "");
    }

    /**
     * @param persistent keep sessions and queued messages across a restart of this broker
     * @param moreConfig configuration lines, e.g. {@code max_queued_messages 0} (no limit)
     */
    public static Mosquitto start(boolean persistent, String moreConfig) {
        return start(FreePorts.next(), persistent, moreConfig);
    }

    /**
     * Plain MQTT on {@link #port()} and MQTT over TLS with {@code certificates} on the returned {@link #tlsPort()}.
     */
    public static Mosquitto startWithTls(TestCertificates certificates) {
        int tlsPort = FreePorts.next();
        Mosquitto m = start(
                false,
                String.join(
                        "\n",
                        "listener " + tlsPort + " 127.0.0.1",
                        "certfile " + certificates.certificate(),
                        "keyfile " + certificates.key(),
                        ""));
        m.tlsPort = tlsPort;
        return m;
    }

    /** Anonymous clients may use only the topics {@code acl} grants (Mosquitto's {@code acl_file} syntax). */
    public static Mosquitto startWithAcl(String acl) {
        try {
            Path file = Files.createTempFile("mosquitto", ".acl");
            Files.writeString(file, acl);
            return start(false, "acl_file " + file + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * On a port chosen beforehand (a product already waiting for its broker there), with {@code moreConfig} lines
     * (e.g. {@code max_queued_messages 200000}).
     */
    public static Mosquitto startOn(int port, boolean persistent, String moreConfig) {
        return start(port, persistent, moreConfig);
    }

    /** Only these accounts (user name → password, Mosquitto's {@code password_file}) may connect. */
    public static Mosquitto startWithPasswords(java.util.Map<String, String> accounts) {
        try {
            Path file = Files.createTempFile("mosquitto", ".passwd");
            for (var account : accounts.entrySet()) {
                Processes.run(List.of(
                        "/usr/bin/mosquitto_passwd", "-b", file.toString(), account.getKey(), account.getValue()));
            }
            return start(false, "allow_anonymous false\npassword_file " + file + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Mosquitto start(int port, boolean persistent, String moreListeners) {
        try {
            Path dir = Files.createTempDirectory("mosquitto");
            Files.writeString(
                    dir.resolve("mosquitto.conf"),
                    String.join(
                            "\n",
                            "per_listener_settings false",
                            "user root", // started by root, it would become 'mosquitto' and lose the test's files
                            moreListeners.contains("allow_anonymous") ? "" : "allow_anonymous true",
                            "persistence " + persistent,
                            "persistence_location " + dir + "/",
                            "log_dest stderr",
                            "log_type error",
                            "listener " + port + " 127.0.0.1",
                            moreListeners));
            Mosquitto m = new Mosquitto(port, dir);
            m.launch();
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The TLS listener's port ({@link #startWithTls}). */
    public int tlsPort() {
        return tlsPort;
    }

    private void launch() {
        try {
            // to a file, not a pipe nobody reads: a chatty log (log_type debug) would fill the pipe and stop Mosquitto
            process = new ProcessBuilder(
                            "/usr/sbin/mosquitto",
                            "-c",
                            dir.resolve("mosquitto.conf").toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run /usr/sbin/mosquitto (install mosquitto)", e);
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("mosquitto exited: " + Files.readString(log()));
            }
            try (Socket s = new Socket("127.0.0.1", port)) {
                return true;
            } catch (IOException e) {
                return false;
            }
        });
    }

    public int port() {
        return port;
    }

    /** The product's connection settings for this broker: no session kept once it closes, Receive Maximum 100. */
    public dev.aichatroom.mqtt.MqttSettings settings(String clientId) {
        return new dev.aichatroom.mqtt.MqttSettings(
                "127.0.0.1",
                port,
                clientId,
                java.util.Optional.empty(),
                java.util.Optional.empty(),
                0,
                100,
                false,
                java.util.Optional.empty());
    }

    /** What Mosquitto wrote (every run of it, appended): its log, with the {@code log_type}s its configuration asks. */
    public Path log() {
        return dir.resolve("mosquitto.log");
    }

    public void restart() {
        stop();
        launch();
    }

    public void stop() {
        if (process != null) {
            process.destroy();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    @Override
    public void close() {
        stop();
    }
}
