package dev.aichatroom.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * The open-file limit, which bounds the idle connections of the connections part: the bench holds one socket per
 * client and so does the broker (the product, or Mosquitto), each under the limit it inherited from the bench.
 */
final class OpenFiles {
    /** Descriptors a process needs besides the idle clients' sockets: jars, logs, the database, its own clients. */
    static final int HEADROOM = 1_024;

    private OpenFiles() {}

    /** The soft limit of this process, which its children inherit; empty off Linux. */
    static OptionalLong limit() {
        try {
            return softLimit(Files.readString(Path.of("/proc/self/limits")));
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    /** The soft "Max open files" of a {@code /proc/PID/limits} text; empty when missing or "unlimited". */
    static OptionalLong softLimit(String procLimits) {
        for (String line : procLimits.lines().toList()) {
            if (line.startsWith("Max open files")) {
                String[] cells =
                        line.substring("Max open files".length()).strip().split("\\s+");
                return cells.length > 0 && cells[0].matches("\\d+")
                        ? OptionalLong.of(Long.parseLong(cells[0]))
                        : OptionalLong.empty();
            }
        }
        return OptionalLong.empty();
    }

    /** Fails when {@code connections} idle clients would not fit under {@code limit}, saying what to do. */
    static void check(OptionalLong limit, int connections) {
        if (limit.isPresent() && limit.getAsLong() < connections + (long) HEADROOM) {
            throw new BenchException("--connections=" + connections + " needs at least " + (connections + HEADROOM)
                    + " open files per process (the bench and the broker each hold one socket per client), but the"
                    + " limit is " + limit.getAsLong() + ": raise it (ulimit -n " + (connections + HEADROOM)
                    + ") or ask for at most --connections=" + Math.max(0, limit.getAsLong() - HEADROOM));
        }
    }
}
