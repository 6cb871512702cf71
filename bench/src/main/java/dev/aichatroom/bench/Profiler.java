package dev.aichatroom.bench;

import dev.aichatroom.bench.Results.Share;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * async-profiler (Maven Central {@code tools.profiler:async-profiler}, shipped inside the bench's jar) attached to the
 * running product with {@code jcmd PID JVMTI.agent_load}: CPU samples of every thread over one run, written as a flame
 * graph (HTML) and as collapsed stacks, which {@link #summarise} sorts into thread groups and code parts.
 */
final class Profiler {
    /** Thread groups, by the name async-profiler puts at the root of each stack ({@code [name tid=N]}). */
    private static final Map<String, Predicate<String>> THREADS = threads();
    /** Code parts, by a frame on the stack. */
    private static final Map<String, Predicate<String>> CODE = code();

    private final Path library;
    private final Path jcmd;

    private Profiler(Path library, Path jcmd) {
        this.library = library;
        this.jcmd = jcmd;
    }

    /** Unpacks the native library for this machine into {@code dir}. */
    static Profiler unpack(Path dir) {
        String arch = System.getProperty("os.arch");
        String platform = arch.equals("amd64") || arch.equals("x86_64")
                ? "linux-x64"
                : arch.equals("aarch64") ? "linux-arm64" : "";
        if (platform.isEmpty()
                || !System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux")) {
            throw new BenchException("the flame graph needs Linux on x86_64 or aarch64 (async-profiler)");
        }
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        if (!Files.isExecutable(jcmd)) {
            throw new BenchException("the flame graph needs " + jcmd + ": run the bench with a JDK, not a JRE");
        }
        try (InputStream lib = Profiler.class.getResourceAsStream("/" + platform + "/libasyncProfiler.so")) {
            if (lib == null) {
                throw new BenchException("async-profiler's library for " + platform + " is not in the bench's jar");
            }
            Files.createDirectories(dir);
            Path target = dir.resolve("libasyncProfiler.so");
            Files.copy(lib, target, StandardCopyOption.REPLACE_EXISTING);
            return new Profiler(target, jcmd);
        } catch (IOException e) {
            throw new BenchException("cannot unpack async-profiler: " + e.getMessage(), e);
        }
    }

    /** Starts sampling CPU time of every thread of {@code pid}, one sample per millisecond of CPU. */
    void start(long pid) throws InterruptedException {
        agent(pid, "start,event=cpu,interval=1ms,threads");
    }

    /** Writes the flame graph and the collapsed stacks, and stops. */
    void stop(long pid, Path flameGraph, Path collapsed) throws InterruptedException {
        // jcmd splits its arguments on spaces: no option may hold one
        agent(pid, "dump,flamegraph,file=" + flameGraph.toAbsolutePath());
        agent(pid, "stop,collapsed,file=" + collapsed.toAbsolutePath());
    }

    private void agent(long pid, String options) throws InterruptedException {
        // jcmd would read "name=value" as an argument of its own command: the agent's options go in quotes
        List<String> command = List.of(
                jcmd.toString(), Long.toString(pid), "JVMTI.agent_load", library.toString(), "\"" + options + "\"");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            // async-profiler reports a refused option on the product's output; jcmd says the agent's return code
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0 || !out.contains("return code: 0")) {
                throw new BenchException("async-profiler: " + String.join(" ", command) + " said: " + out.strip());
            }
        } catch (IOException e) {
            throw new BenchException("cannot run jcmd: " + e.getMessage(), e);
        }
    }

    /** The samples of collapsed stacks ({@code frame;frame;… count} per line) by thread group and by code part. */
    record Summary(long samples, List<Share> byThread, List<Share> byCode) {}

    static Summary summarise(List<String> collapsed) {
        long total = 0;
        Map<String, Long> threads = new LinkedHashMap<>();
        Map<String, Long> code = new LinkedHashMap<>();
        for (String line : collapsed) {
            int space = line.lastIndexOf(' ');
            if (space < 0) {
                continue;
            }
            long n;
            try {
                n = Long.parseLong(line.substring(space + 1).strip());
            } catch (NumberFormatException e) {
                continue;
            }
            String stack = line.substring(0, space);
            total += n;
            int semi = stack.indexOf(';');
            String root = semi < 0 ? stack : stack.substring(0, semi);
            String group = THREADS.entrySet().stream()
                    .filter(e -> e.getValue().test(root))
                    .map(Map.Entry::getKey)
                    .findFirst()
                    .orElse("other threads");
            threads.merge(group, n, Long::sum);
            for (Map.Entry<String, Predicate<String>> part : CODE.entrySet()) {
                if (part.getValue().test(stack)) {
                    code.merge(part.getKey(), n, Long::sum);
                }
            }
        }
        return new Summary(total, shares(threads, total), shares(code, total));
    }

    private static List<Share> shares(Map<String, Long> counts, long total) {
        List<Share> list = new ArrayList<>();
        counts.forEach((what, n) -> list.add(new Share(what, total == 0 ? 0 : 100.0 * n / total)));
        list.sort(Comparator.comparingDouble(Share::percent).reversed());
        return list;
    }

    private static Map<String, Predicate<String>> threads() {
        Map<String, Predicate<String>> m = new LinkedHashMap<>();
        m.put("chat worker (validate, store, publish)", t -> t.startsWith("[chat-worker"));
        m.put("chat outbox (mark published, acknowledge)", t -> t.startsWith("[chat-outbox"));
        m.put("service's MQTT client (HiveMQ)", t -> t.startsWith("[com.hivemq.client"));
        m.put("broker network threads (Netty)", t -> t.contains("activemq-netty") || t.contains("netty"));
        m.put("broker threads (Artemis)", t -> t.contains("ActiveMQ") || t.contains("activemq"));
        m.put("JIT compiler", t -> t.contains("Compiler"));
        m.put("garbage collector", t -> t.contains("GC") || t.startsWith("[G1"));
        m.put("virtual threads (chat worker, outbox)", t -> t.startsWith("[ForkJoinPool"));
        return m;
    }

    private static Map<String, Predicate<String>> code() {
        Map<String, Predicate<String>> m = new LinkedHashMap<>();
        m.put(
                "chat worker: inputs parsed, stored as a batch, published (ChatService.handle, flushStaged)",
                s -> s.contains("dev/aichatroom/chat/ChatService.handle")
                        || s.contains("dev/aichatroom/chat/ChatService.flushStaged"));
        m.put(
                "outbox: marked published, input acknowledged (Outbox.run)",
                s -> s.contains("dev/aichatroom/chat/Outbox.run"));
        m.put(
                "broker hooks: inputs checked before routing (ChatService.inspect)",
                s -> s.contains("dev/aichatroom/chat/ChatService.inspect"));
        m.put(
                "Artemis broker code",
                s -> s.contains("org/apache/activemq/artemis/core/server")
                        || s.contains("org/apache/activemq/artemis/core/postoffice")
                        || s.contains("org/apache/activemq/artemis/core/protocol/mqtt"));
        m.put(
                "Artemis journal (persistence)",
                s -> s.contains("org/apache/activemq/artemis/core/journal")
                        || s.contains("org/apache/activemq/artemis/core/io")
                        || s.contains("org/apache/activemq/artemis/core/persistence"));
        m.put("SQLite (store)", s -> s.contains("org/sqlite") || s.contains("libsqlitejdbc"));
        m.put("HiveMQ MQTT client", s -> s.contains("com/hivemq/client"));
        m.put("JSON (Jackson)", s -> s.contains("com/fasterxml/jackson"));
        m.put("the product's own code", s -> s.contains("dev/aichatroom"));
        m.put("logging", s -> s.contains("ch/qos/logback") || s.contains("org/slf4j"));
        m.put(
                "socket reads and writes (kernel)",
                s -> s.contains("sys_sendto")
                        || s.contains("sys_write")
                        || s.contains("sys_recvfrom")
                        || s.contains("sys_read")
                        || s.contains("tcp_"));
        m.put("waking and parking threads (futex)", s -> s.contains("futex"));
        m.put("fsync / fdatasync", s -> s.contains("fsync") || s.contains("fdatasync") || s.contains("force0"));
        return m;
    }
}
