package dev.aichatroom.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs command-line tools no one here wrote (mosquitto_pub, mosquitto_sub) as real clients. */
public final class Processes {
    private Processes() {}

    /** Runs a command to completion (20 s at most) and returns its standard output. */
    public static String run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + command);
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new AssertionError(command + " exited " + p.exitValue() + ": " + out);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.get(0) + " (install mosquitto-clients)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@code mosquitto_pub -h 127.0.0.1 -p port [options] -q 1 -t topic -m payload}: one QoS 1 message from a client
     * no one here wrote; {@code options} go before the message (e.g. {@code --cafile cert.pem}).
     */
    public static void mosquittoPub(int port, String topic, String payload, String... options) {
        List<String> command =
                new java.util.ArrayList<>(List.of("mosquitto_pub", "-h", "127.0.0.1", "-p", Integer.toString(port)));
        command.addAll(List.of(options));
        command.addAll(List.of("-q", "1", "-t", topic, "-m", payload));
        run(command);
    }

    public static Process start(List<String> command) {
        try {
            return new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.get(0), e);
        }
    }
}
