package dev.aichatroom.voice;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What this process holds right now: OS threads, file descriptors and UDP sockets in this network namespace, with the
 * threads' names and the descriptors' targets so that a check that fails can say what was left over.
 *
 * <p>{@code threads} leaves out the embedded broker's pool threads ({@code Thread-N (activemq-…)}) and Awaitility's
 * poll thread: the broker's pools grow with the MQTT connections and subscriptions a test's devices open and give
 * their idle threads back only after 60 s, whatever the calls did, so counting them made the check fail now and then
 * with no voice resource left over (VoiceCallIT's garbage SDP case: three {@code activemq-paging} and one
 * {@code activemq-remoting-mqtt} thread above the baseline, gone a minute later).
 */
record Resources(
        int threads,
        int fds,
        int udpSockets,
        List<String> threadNames,
        List<String> javaThreads,
        List<String> fdTargets) {
    static Resources now() {
        List<String> names = listThreadNames();
        List<String> targets = listFdTargets();
        Set<String> udp = udpInodes();
        int udpSockets = (int) targets.stream()
                .filter(t -> t.startsWith("socket:[") && udp.contains(t.substring(8, t.length() - 1)))
                .count();
        List<String> java = Thread.getAllStackTraces().keySet().stream()
                .map(Thread::getName)
                .toList();
        int notCounted = (int) java.stream().filter(Resources::notCounted).count();
        return new Resources(names.size() - notCounted, targets.size(), udpSockets, names, java, targets);
    }

    /**
     * Pool threads that come and go with what the test itself does, not with a call: the embedded broker's (idle 60 s),
     * Awaitility's poll thread, the JDK HTTP clients the test polls {@code /health} with (each has a selector thread
     * until it is collected) and the JDK's process reapers for the browsers the test starts and kills.
     */
    private static boolean notCounted(String javaThread) {
        return javaThread.contains("(activemq-")
                || javaThread.startsWith("awaitility")
                || javaThread.startsWith("HttpClient-")
                || javaThread.equals("process reaper");
    }

    private static List<String> listThreadNames() {
        List<String> names = new ArrayList<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    names.add(Files.readString(task.resolve("comm")).strip());
                } catch (IOException gone) {
                    // ended meanwhile
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return names;
    }

    private static List<String> listFdTargets() {
        List<String> targets = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    targets.add(Files.readSymbolicLink(fd).toString());
                } catch (IOException gone) {
                    // closed meanwhile
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return targets;
    }

    private static Set<String> udpInodes() {
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
        return udp;
    }

    /** Whether nothing grew beyond {@code baseline}, allowing {@code slack} threads and descriptors of pools. */
    boolean within(Resources baseline, int slack) {
        return threads <= baseline.threads + slack && fds <= baseline.fds + slack && udpSockets <= baseline.udpSockets;
    }

    /** Counts, and which thread names and descriptor kinds are more than in {@code baseline}. */
    String beyond(Resources baseline) {
        return this + " Java threads beyond: " + grown(kinds(javaThreads), kinds(baseline.javaThreads))
                + " all threads (native ones too, by their 15-character names) beyond: "
                + grown(kinds(threadNames), kinds(baseline.threadNames))
                + " descriptors beyond: " + grown(kinds(fdTargets), kinds(baseline.fdTargets));
    }

    @Override
    public String toString() {
        return "Resources[threads=" + threads + ", fds=" + fds + ", udpSockets=" + udpSockets + "]";
    }

    /** Thread names without their numbers, descriptor targets without their inodes. */
    private static Map<String, Long> kinds(List<String> items) {
        return items.stream()
                .map(s -> s.replaceAll("\\[\\d+]", "[]")
                        .replaceAll("@\\p{XDigit}+", "@")
                        .replaceAll("\\d+", "#"))
                .collect(Collectors.groupingBy(s -> s, TreeMap::new, Collectors.counting()));
    }

    private static Map<String, Long> grown(Map<String, Long> now, Map<String, Long> before) {
        Map<String, Long> grown = new TreeMap<>();
        now.forEach((k, n) -> {
            long d = n - before.getOrDefault(k, 0L);
            if (d > 0) {
                grown.put(k, d);
            }
        });
        return grown;
    }
}
