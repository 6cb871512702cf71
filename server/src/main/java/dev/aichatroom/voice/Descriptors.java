package dev.aichatroom.voice;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * The process's file descriptors (Linux {@code /proc/self}): voice takes no new call when fewer than a quarter of the
 * descriptor limit are free, so that chat, MQTT and HTTP always keep some.
 */
final class Descriptors {
    private static final Path FDS = Path.of("/proc/self/fd");
    private static final Path LIMITS = Path.of("/proc/self/limits");

    private Descriptors() {}

    /** Why a new call would take descriptors the rest of the product needs, or empty. */
    static Optional<String> shortage() {
        OptionalLong open = open();
        OptionalLong limit = limit();
        if (open.isEmpty() || limit.isEmpty()) {
            return Optional.empty(); // not Linux: the other limits still hold
        }
        return shortage(open.getAsLong(), limit.getAsLong());
    }

    static Optional<String> shortage(long open, long limit) {
        long keep = limit / 4;
        return limit - open < keep
                ? Optional.of("the server is short of file descriptors; try again later")
                : Optional.empty();
    }

    /** Descriptors open in this process now. */
    static OptionalLong open() {
        try (Stream<Path> fds = Files.list(FDS)) {
            return OptionalLong.of(fds.count());
        } catch (IOException | UncheckedIOException e) {
            return OptionalLong.empty();
        }
    }

    /** The soft limit on open files ({@code ulimit -n}). */
    static OptionalLong limit() {
        try (Stream<String> lines = Files.lines(LIMITS)) {
            return lines.filter(l -> l.startsWith("Max open files"))
                    .map(l -> l.substring("Max open files".length()).strip().split("\\s+")[0])
                    .filter(v -> v.matches("\\d+"))
                    .mapToLong(Long::parseLong)
                    .findFirst();
        } catch (IOException | UncheckedIOException e) {
            return OptionalLong.empty();
        }
    }
}
