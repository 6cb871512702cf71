package dev.aichatroom.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** What the bench's parts ask of the machine they run on: its load, and a fresh work directory. */
final class Host {
    private Host() {}

    /** {@code /proc/loadavg} as it reads, or {@code unknown}: every report says how busy the cores were. */
    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** Deletes {@code dir} and everything under it, if it exists: each run starts from an empty work directory. */
    static void clearDirectory(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new BenchException("cannot clear the work directory " + dir + ": " + e.getMessage(), e);
        }
    }
}
