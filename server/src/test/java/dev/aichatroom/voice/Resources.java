package dev.aichatroom.voice;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;

/** What this process holds right now: OS threads, file descriptors and UDP sockets in this network namespace. */
record Resources(int threads, int fds, int udpSockets) {
    static Resources now() {
        return new Resources(count(Path.of("/proc/self/task")), count(Path.of("/proc/self/fd")), countUdpSockets());
    }

    private static int count(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return (int) s.count();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int countUdpSockets() {
        Set<String> udp = new HashSet<>();
        for (String table : new String[] {"/proc/self/net/udp", "/proc/self/net/udp6"}) {
            try {
                Files.readAllLines(Path.of(table)).stream().skip(1).forEach(line -> {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 9) {
                        udp.add(f[9]);
                    }
                });
            } catch (IOException e) {
                // no IPv6
            }
        }
        int mine = 0;
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[") && udp.contains(target.substring(8, target.length() - 1))) {
                        mine++;
                    }
                } catch (IOException gone) {
                    // closed meanwhile
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return mine;
    }

    /** Whether nothing grew beyond {@code baseline}, allowing {@code slack} threads and descriptors of pools. */
    boolean within(Resources baseline, int slack) {
        return threads <= baseline.threads + slack && fds <= baseline.fds + slack && udpSockets <= baseline.udpSockets;
    }
}
