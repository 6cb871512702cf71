package dev.aichatroom.bench;

import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import dev.aichatroom.bench.Scenario.Mode;
import dev.aichatroom.bench.Scenario.Route;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Runs one {@link Scenario}: connects the subscribers, then the publishers, offers load through a warm-up and a
 * measured phase, waits for the stragglers, and turns what every subscriber recorded into a {@link RunResult}.
 */
final class LoadRun {
    static final String CHAT_IN = "chatroom/messages/in";
    static final String CHAT_OUT = "chatroom/messages/out";
    /** Every room's output but the default room's: {@code chatroom/R/messages/out}. */
    static final String ROOMS_OUT = "chatroom/+/messages/out";
    /** A drain that makes no progress this long is over: whatever has not arrived is lost. */
    private static final long QUIET_MILLIS = 3_000;

    /**
     * However long a drain that still makes progress may last: a curve point past saturation leaves a backlog that the
     * path works off at its own pace, and what arrives late is late, not lost.
     */
    private static final long DRAIN_MAX_MILLIS = 120_000;

    private final BenchConfig config;
    private final Endpoint broker;
    private final Scenario scenario;
    private final int run;
    private final String tag;
    private final int rooms;

    LoadRun(BenchConfig config, Endpoint broker, Scenario scenario, int run) {
        this(config, broker, scenario, run, 1);
    }

    /**
     * @param rooms chat path only: 1 is the default room ({@code chatroom/messages/in}); more are rooms {@code b0},
     *     {@code b1}, … ({@code chatroom/b0/messages/in}), each publisher sending its messages to them in turn
     */
    LoadRun(BenchConfig config, Endpoint broker, Scenario scenario, int run, int rooms) {
        this.config = config;
        this.broker = broker;
        this.scenario = scenario;
        this.run = run;
        this.tag = ProcessHandle.current().pid() + "-" + run;
        this.rooms = rooms;
    }

    /** The input topics of the run's rooms (one topic on the raw path). */
    static List<String> inTopics(Route route, int rooms, String tag) {
        if (route == Route.RAW) {
            return List.of("bench/raw/" + tag);
        }
        if (rooms == 1) {
            return List.of(CHAT_IN);
        }
        List<String> topics = new ArrayList<>();
        for (int r = 0; r < rooms; r++) {
            topics.add("chatroom/b" + r + "/messages/in");
        }
        return topics;
    }

    RunResult execute() throws InterruptedException {
        int n = config.publishers();
        int m = config.subscribers();
        List<String> inTopics = inTopics(scenario.route(), rooms, tag);
        String outTopic = scenario.route() == Route.RAW ? inTopics.getFirst() : rooms == 1 ? CHAT_OUT : ROOMS_OUT;
        Optional<Window> window =
                scenario.mode() == Mode.MAX ? Optional.of(new Window(n, m, config.window())) : Optional.empty();
        Recorder.Listener listener =
                window.<Recorder.Listener>map(w -> w::delivered).orElse((p, s) -> {});

        List<Recorder> recorders = new ArrayList<>();
        List<Mqtt5AsyncClient> clients = new ArrayList<>();
        List<Publisher> publishers = new ArrayList<>();
        try {
            for (int i = 0; i < m; i++) {
                Recorder recorder = new Recorder(run, n, listener);
                recorders.add(recorder);
                Mqtt5AsyncClient sub = Clients.connect(
                        broker,
                        "bench-sub-" + i + "-" + tag,
                        p -> recorder.record(p.getPayloadAsBytes(), System.nanoTime()));
                clients.add(sub);
                Clients.subscribe(sub, outTopic, scenario.qos());
                if (scenario.qos() == 0) {
                    ReaderAcks.install(sub); // it never writes: its acknowledgements would wait (see ReaderAcks)
                }
            }
            for (int i = 0; i < n; i++) {
                Publisher pub = new Publisher(i, run, "bench-pub-" + i + "-" + tag, broker, inTopics, scenario.qos());
                publishers.add(pub);
                clients.add(pub.client());
                if (scenario.route() == Route.CHAT) {
                    Clients.subscribe(pub.client(), "chatroom/clients/" + pub.clientId() + "/errors", 0);
                }
            }
            long start = System.nanoTime() + 20_000_000L;
            long measureStart = start + config.warmup().toNanos();
            long end = measureStart + config.measure().toNanos();
            drive(publishers, window, start, measureStart, end);
            awaitAcks(publishers);
            drain(recorders, publishers.stream().mapToLong(Publisher::sent).sum());
            return result(publishers, recorders, measureStart, end);
        } finally {
            clients.forEach(Clients::disconnect);
        }
    }

    private void drive(List<Publisher> publishers, Optional<Window> window, long start, long measureStart, long end)
            throws InterruptedException {
        int n = publishers.size();
        long interval = Math.round(n * 1e9 / config.rate());
        List<Thread> threads = new ArrayList<>();
        for (Publisher pub : publishers) {
            int i = threads.size();
            Runnable body = window.isPresent()
                    ? () -> {
                        try {
                            pub.runWindowed(window.get(), measureStart, end);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    // publishers take turns: publisher i is offset by i/n of an interval
                    : () -> pub.runFixedRate(start + i * interval / n, interval, measureStart, end);
            threads.add(Thread.ofPlatform().name("bench-pub-" + i).start(body));
        }
        long deadline = end + Duration.ofSeconds(30).toNanos();
        for (Thread t : threads) {
            t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            if (t.isAlive()) {
                throw new BenchException(t.getName() + " is still publishing 30 s after the end of the run");
            }
        }
    }

    private static void awaitAcks(List<Publisher> publishers) throws InterruptedException {
        long deadline = System.nanoTime() + Clients.TIMEOUT.toNanos();
        while (publishers.stream().anyMatch(p -> p.pending() > 0) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    /** Waits until every subscriber has everything that was sent, or nothing more arrives for a while. */
    private static void drain(List<Recorder> recorders, long expected) throws InterruptedException {
        long started = System.nanoTime();
        long lastTotal = -1;
        long lastChange = started;
        while (recorders.stream().anyMatch(r -> r.received() < expected)) {
            long now = System.nanoTime();
            long total = recorders.stream().mapToLong(Recorder::received).sum();
            if (total != lastTotal) {
                lastTotal = total;
                lastChange = now;
            }
            if (now - lastChange > QUIET_MILLIS * 1_000_000 || now - started > DRAIN_MAX_MILLIS * 1_000_000) {
                return;
            }
            Thread.sleep(10);
        }
    }

    /**
     * With {@code -Dbench.latencyLog=DIR}, every measured message of the run as a line {@code sent-nanos latency-nanos}
     * in {@code DIR/run-N-broker-route-qos-mode.txt}: the send time on {@code System.nanoTime}'s clock
     * (CLOCK_MONOTONIC, shared with the product's {@code -Xlog:...:timenanos} decorations), to tell which slow
     * messages coincided with what happened in the product.
     */
    private void writeLatencyLog(List<Recorder.Analysis> seen) {
        String dir = System.getProperty("bench.latencyLog");
        if (dir == null || dir.isBlank()) {
            return;
        }
        StringBuilder b = new StringBuilder();
        for (Recorder.Analysis a : seen) {
            for (int i = 0; i < a.latencyCount(); i++) {
                b.append(a.sentAt()[i]).append(' ').append(a.latencies()[i]).append('\n');
            }
        }
        Path file = Path.of(dir)
                .resolve(String.format(
                        Locale.ROOT,
                        "run-%d-%s-%s-%d-%s.txt",
                        run,
                        scenario.broker(),
                        scenario.route(),
                        scenario.qos(),
                        scenario.mode()));
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, b);
        } catch (IOException e) {
            throw new BenchException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private RunResult result(List<Publisher> publishers, List<Recorder> recorders, long measureStart, long end) {
        int n = publishers.size();
        int[] from = new int[n];
        int[] to = new int[n];
        long sent = 0;
        long measuredSent = 0;
        for (int i = 0; i < n; i++) {
            Publisher p = publishers.get(i);
            from[i] = p.measuredFrom();
            to[i] = p.measuredTo();
            sent += p.sent();
            measuredSent += to[i] - from[i];
        }
        List<Recorder.Analysis> seen = new ArrayList<>();
        int latencyCount = 0;
        for (Recorder r : recorders) {
            Recorder.Analysis a = r.analyse(from, to, measureStart, end);
            seen.add(a);
            latencyCount += a.latencyCount();
        }
        long[] latencies = new long[latencyCount];
        int at = 0;
        long lost = 0;
        long duplicates = 0;
        long foreign = 0;
        long arrived = 0;
        for (Recorder.Analysis a : seen) {
            System.arraycopy(a.latencies(), 0, latencies, at, a.latencyCount());
            at += a.latencyCount();
            lost += sent - a.unique();
            duplicates += a.duplicates();
            foreign += a.foreign();
            arrived += a.arrivedInWindow();
        }
        writeLatencyLog(seen);
        double seconds = (end - measureStart) / 1e9;
        return new RunResult(
                scenario,
                n,
                recorders.size(),
                seconds,
                sent,
                measuredSent / seconds,
                arrived / (double) recorders.size() / seconds,
                LatencySummary.of(latencies, latencyCount),
                lost,
                duplicates,
                foreign,
                publishers.stream().mapToLong(Publisher::errors).sum(),
                publishers.stream().mapToLong(Publisher::rejected).sum(),
                publishers.stream().anyMatch(Publisher::stalled));
    }
}
