package dev.aichatroom.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The fault part: for each {@link FaultKind}, a persistent Mosquitto, one or two product instances, publishers of
 * numbered QoS 1 inputs and one consumer of {@code messages/out}; the fault is injected under load, and what came
 * out is compared with what the broker acknowledged. See {@code bench/README.md}.
 */
final class FaultBench {
    private static final Duration HEALTHY_WITHIN = Duration.ofSeconds(90);
    /** A drain that sees nothing new this long is over. */
    private static final Duration QUIET = Duration.ofSeconds(20);

    private static final Duration DRAIN_MAX = Duration.ofSeconds(300);

    private final FaultConfig config;
    private final Console console;
    private int runNumber;

    FaultBench(FaultConfig config, Console console) {
        this.config = config;
        this.console = console;
    }

    /** One product instance, started again with the same variables (and so the same session and data). */
    private final class Instance implements AutoCloseable {
        private final int index;
        private final Map<String, String> env;
        private final Path dir;
        private final List<ProductProcess> processes = new ArrayList<>();

        Instance(int index, Map<String, String> env, Path dir) {
            this.index = index;
            this.env = env;
            this.dir = dir;
        }

        ProductProcess start() {
            ProductProcess p = ProductProcess.start(
                    config.productJar(),
                    config.productJvmArgs(),
                    env,
                    dir,
                    dir.resolve("product-" + (processes.size() + 1) + ".log"));
            processes.add(p);
            return p;
        }

        ProductProcess current() {
            return processes.getLast();
        }

        List<String> problems() {
            return processes.stream()
                    .flatMap(p -> p.problems().stream())
                    .map(l -> "instance " + index + ": " + l.strip())
                    .toList();
        }

        @Override
        public void close() throws InterruptedException {
            for (ProductProcess p : processes) {
                p.close();
            }
        }
    }

    FaultResults run(String args) throws InterruptedException {
        if (!Files.isRegularFile(config.productJar())) {
            throw new BenchException(config.productJar() + " does not exist: build it first with"
                    + " ./mvnw -B -pl bench -am package -DskipTests");
        }
        long t0 = System.nanoTime();
        String loadBefore = Host.loadAverage();
        Host.clearDirectory(config.workDir());
        List<FaultResults.Outcome> outcomes = new ArrayList<>();
        for (FaultKind kind : config.scenarios()) {
            if (kind.instances() > 1 && config.postgres().isEmpty()) {
                console.error(kind.label() + ": skipped, it needs PostgreSQL (--postgres=jdbc:postgresql://…)");
                outcomes.add(FaultResults.Outcome.skipped(
                        kind, config.broker(), "skipped: no PostgreSQL given (--postgres)"));
                continue;
            }
            FaultResults.Outcome o = scenario(kind);
            outcomes.add(o);
            console.info(
                    "%-16s acknowledged %d, lost %d, duplicated %d (same id %d, without key %d), reordered %d, delayed %d,"
                            + " recovery %s, p50 %.1f ms, max %.0f ms",
                    kind.label(),
                    o.acknowledged(),
                    o.lost(),
                    o.duplicates(),
                    o.duplicatesSameId(),
                    o.duplicatesWithoutKey(),
                    o.reordered(),
                    o.delayed(),
                    o.recoverySeconds() < 0 ? "–" : String.format("%.1f s", o.recoverySeconds()),
                    o.p50Millis(),
                    o.maxMillis());
        }
        FaultResults results = new FaultResults(
                new FaultResults.Environment(
                        OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS).toString(),
                        Runtime.getRuntime().availableProcessors(),
                        loadBefore,
                        Host.loadAverage(),
                        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
                        System.getProperty("os.name") + " " + System.getProperty("os.version"),
                        config.broker() == FaultBroker.Kind.ARTEMIS
                                ? "ActiveMQ Artemis " + ArtemisVersion.of(config.productJar())
                                : Mosquitto.version(config.mosquitto()),
                        Math.round((System.nanoTime() - t0) / 1e9)),
                FaultResults.Settings.of(config, args),
                outcomes);
        FaultReport.write(results, config.markdown(), config.json());
        console.info(
                "Wrote the faults block of %s and %s (%d s)",
                config.markdown(), config.json(), results.environment().totalSeconds());
        return results;
    }

    private FaultResults.Outcome scenario(FaultKind kind) throws InterruptedException {
        int run = ++runNumber;
        String tag = ProcessHandle.current().pid() + "-" + run;
        Path dir = config.workDir().resolve(kind.label());
        long began = System.nanoTime();
        List<String> notes = new ArrayList<>();
        if (kind.instances() > 1) {
            resetPostgres();
        }
        try (FaultBroker broker = config.broker() == FaultBroker.Kind.ARTEMIS
                        ? FaultBroker.startArtemis(config.productJar(), dir.resolve("artemis"))
                        : FaultBroker.start(
                                config.mosquitto(),
                                dir.resolve("mosquitto"),
                                config.autosave(),
                                config.autosaveOnChanges());
                CuttableProxy proxy = new CuttableProxy(broker.endpoint())) {
            int servicePort = kind == FaultKind.PARTITION || kind == FaultKind.RESET
                    ? proxy.port()
                    : broker.endpoint().port();
            List<Instance> instances = new ArrayList<>();
            try {
                for (int i = 0; i < kind.instances(); i++) {
                    Instance instance =
                            new Instance(i, env(kind, tag, i, servicePort, dir), dir.resolve("product-" + i));
                    instances.add(instance);
                    instance.start();
                }
                for (Instance instance : instances) {
                    instance.current().awaitHealthy(HEALTHY_WITHIN);
                }
                warmUp(broker.endpoint(), tag, run);
                FaultResults.Outcome o = load(kind, run, tag, broker, proxy, instances, notes);
                for (Instance instance : instances) {
                    instance.current().stop();
                }
                FaultResults.Outcome attributed = attribute(o, kind, instances);
                instances.forEach(i -> i.problems().stream()
                        .map(FaultBench::shorten)
                        .distinct()
                        .limit(6)
                        .forEach(notes::add));
                broker.problems().stream()
                        .filter(l -> !l.contains("should not be run as root"))
                        .map(FaultBench::shorten)
                        .distinct()
                        .limit(4)
                        .forEach(l -> notes.add(broker.kind().label() + ": " + l));
                return attributed.withNotes(notes, (System.nanoTime() - began) / 1e9);
            } finally {
                for (Instance instance : instances) {
                    instance.close();
                }
            }
        }
    }

    /**
     * Discarded load first, {@code --warmup} seconds at the scenario's rate (then until it has come out, at most a
     * minute): /health says the connection is up, but a cold JVM on a busy machine needs several seconds of load
     * before it keeps pace, and the first seconds of every scenario would otherwise measure that.
     */
    private void warmUp(Endpoint broker, String tag, int run) throws InterruptedException {
        if (config.warmup().isZero()) {
            return;
        }
        int warmRun = 1_000_000 + run;
        int n = config.publishers();
        int perPublisher = (int) Math.max(1, config.warmup().toSeconds() * config.rate() / n);
        long interval = Math.round(n * 1e9 / config.rate());
        List<FaultPublisher> publishers = new ArrayList<>();
        try (FaultSubscriber subscriber = new FaultSubscriber(warmRun, "fault-warm-sub-" + tag, broker)) {
            try {
                for (int i = 0; i < n; i++) {
                    publishers.add(
                            new FaultPublisher(i, warmRun, "fault-warm-pub-" + i + "-" + tag, broker, i % 2 == 0));
                }
                long start = System.nanoTime() + 20_000_000L;
                List<Thread> threads = new ArrayList<>();
                for (FaultPublisher p : publishers) {
                    long first = start + threads.size() * interval / n;
                    threads.add(Thread.ofPlatform().start(() -> p.runFixedRate(first, interval, perPublisher)));
                }
                for (Thread t : threads) {
                    t.join();
                }
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (subscriber.received() < (long) perPublisher * n && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
            } finally {
                publishers.forEach(FaultPublisher::close);
            }
        }
    }

    private Map<String, String> env(FaultKind kind, String tag, int i, int mqttPort, Path dir) {
        Map<String, String> env = new HashMap<>();
        env.put("MQTT_BROKER", "127.0.0.1");
        env.put("MQTT_PORT", Integer.toString(mqttPort));
        env.put("MQTT_WS_PORT", Integer.toString(Ports.free()));
        env.put("PORT", Integer.toString(Ports.free()));
        env.put("DATA_DIR", dir.resolve("product-" + i).resolve("data").toString());
        env.put("CHAT_RATE_PER_MINUTE", "0");
        // the chat path only: no model, voice or MCP to load at every (re)start
        env.put("AI_PROVIDER", "none");
        env.put("VOICE_ENABLE", "false");
        env.put("MCP_ENABLE", "false");
        env.put("MQTT_KEEP_ALIVE", Long.toString(config.keepAlive().toSeconds()));
        env.put("MQTT_CLIENT_ID", "fault-service-" + tag + "-" + i);
        env.putAll(config.productEnv());
        if (kind.instances() > 1) {
            env.put("CHAT_SHARED_GROUP", "faults");
            env.put("DATABASE_URL", config.postgres().orElseThrow());
            env.put("DATABASE_USER", config.postgresUser());
            env.put("DATABASE_PASSWORD", config.postgresPassword());
        }
        return env;
    }

    private FaultResults.Outcome load(
            FaultKind kind,
            int run,
            String tag,
            FaultBroker broker,
            CuttableProxy proxy,
            List<Instance> instances,
            List<String> notes)
            throws InterruptedException {
        int n = config.publishers();
        List<FaultPublisher> publishers = new ArrayList<>();
        try (FaultSubscriber subscriber = new FaultSubscriber(run, "fault-sub-" + tag, broker.endpoint())) {
            try {
                for (int i = 0; i < n; i++) {
                    // even publishers send a message_id, odd ones none (the service's ledger must recognise those)
                    publishers.add(
                            new FaultPublisher(i, run, "fault-pub-" + i + "-" + tag, broker.endpoint(), i % 2 == 0));
                }
                boolean burst = kind == FaultKind.BURST;
                int total = burst ? config.burst() : config.messages();
                int perPublisher = (total + n - 1) / n;
                long interval = Math.round(n * 1e9 / config.rate());
                long start = System.nanoTime() + 50_000_000L;
                AtomicLong faultStart = new AtomicLong(burst ? start : Long.MIN_VALUE);
                Thread fault = Thread.ofPlatform()
                        .name("fault")
                        .start(() -> inject(kind, start, broker, proxy, instances, faultStart, notes));
                List<Thread> threads = new ArrayList<>();
                for (FaultPublisher p : publishers) {
                    long first = start + threads.size() * interval / n;
                    threads.add(Thread.ofPlatform().name("fault-pub").start(() -> {
                        try {
                            if (burst) {
                                p.runBurst(perPublisher);
                            } else {
                                p.runFixedRate(first, interval, perPublisher);
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }));
                }
                for (Thread t : threads) {
                    t.join();
                }
                fault.join();
                topUp(publishers, perPublisher, interval, notes);
                long acked = publishers.stream()
                        .mapToLong(FaultPublisher::ackedCount)
                        .sum();
                drain(subscriber, publishers, acked);
                writeArrivals(subscriber.arrivals(), start, dir(kind).resolve("arrivals.csv"));
                BitSet[] ackedSets =
                        publishers.stream().map(FaultPublisher::acked).toArray(BitSet[]::new);
                FaultAnalysis.Counts c = FaultAnalysis.analyse(
                        ackedSets,
                        subscriber.arrivals(),
                        faultStart.get() == Long.MIN_VALUE ? OptionalLong.empty() : OptionalLong.of(faultStart.get()));
                long failed =
                        publishers.stream().mapToLong(FaultPublisher::failed).sum();
                long noOutcome =
                        publishers.stream().mapToLong(FaultPublisher::pending).sum();
                if (noOutcome > 0) {
                    notes.add(noOutcome + " publishes had no outcome at the end (counted as not acknowledged)");
                }
                return FaultResults.Outcome.of(
                        kind,
                        config.broker(),
                        run,
                        publishers.stream().mapToLong(FaultPublisher::sent).sum(),
                        failed,
                        c);
            } finally {
                publishers.forEach(FaultPublisher::close);
            }
        }
    }

    /** How many times the reset scenario resets the service's connection. */
    private static final int RESETS = 5;

    /** The fault, at {@code --fault-after} into the load (the burst is its own fault, from the start). */
    private void inject(
            FaultKind kind,
            long start,
            FaultBroker broker,
            CuttableProxy proxy,
            List<Instance> instances,
            AtomicLong faultStart,
            List<String> notes) {
        if (kind == FaultKind.STEADY || kind == FaultKind.BURST) {
            return;
        }
        try {
            long at = start + config.faultAfter().toNanos();
            while (System.nanoTime() < at) {
                Thread.sleep(Math.max(1, (at - System.nanoTime()) / 1_000_000));
            }
            faultStart.set(System.nanoTime());
            switch (kind) {
                case BROKER_SIGTERM -> {
                    broker.stop();
                    Thread.sleep(config.down().toMillis());
                    broker.launch();
                }
                case BROKER_SIGKILL -> {
                    broker.kill();
                    Thread.sleep(config.down().toMillis());
                    broker.launch();
                }
                case INSTANCE_SIGKILL, INSTANCE_SIGTERM -> {
                    Instance victim = instances.getFirst();
                    if (kind == FaultKind.INSTANCE_SIGKILL) {
                        victim.current().kill();
                    } else {
                        victim.current().stop();
                    }
                    if (!config.restarts()) {
                        break; // --down=never: the live instance takes it over after CHAT_INSTANCE_TIMEOUT
                    }
                    Thread.sleep(config.down().toMillis());
                    victim.start().awaitHealthy(HEALTHY_WITHIN);
                }
                case PARTITION -> {
                    proxy.cut();
                    Thread.sleep(config.keepAlive().multipliedBy(3).toMillis());
                    proxy.heal();
                }
                case RESET -> {
                    for (int i = 0; i < RESETS; i++) {
                        proxy.holdBrokerPackets();
                        Thread.sleep(1_000);
                        proxy.reset();
                        Thread.sleep(2_000);
                    }
                }
                default -> throw new IllegalStateException(kind.toString());
            }
            console.info("%-16s fault healed after %.1f s", kind.label(), (System.nanoTime() - faultStart.get()) / 1e9);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (BenchException e) {
            synchronized (notes) {
                notes.add("fault: " + e.getMessage().lines().findFirst().orElse(""));
            }
            console.error(kind.label() + ": " + e.getMessage());
        }
    }

    /** Publishes failed (a lost session): as many again, so that the scenario has its acknowledged inputs. */
    private void topUp(List<FaultPublisher> publishers, int perPublisher, long interval, List<String> notes)
            throws InterruptedException {
        for (int round = 0; round < 3; round++) {
            for (FaultPublisher p : publishers) {
                p.awaitOutcomes(Duration.ofSeconds(60));
            }
            List<Thread> threads = new ArrayList<>();
            for (FaultPublisher p : publishers) {
                int missing = perPublisher - p.ackedCount();
                if (missing > 0 && p.pending() == 0) {
                    threads.add(Thread.ofPlatform().start(() -> p.runFixedRate(System.nanoTime(), interval, missing)));
                }
            }
            if (threads.isEmpty()) {
                return;
            }
            if (round == 0) {
                notes.add("some publishes failed; sent as many again");
            }
            for (Thread t : threads) {
                t.join();
            }
        }
    }

    /** Until every acknowledged input has come out, or nothing has come for {@link #QUIET}. */
    private static void drain(FaultSubscriber subscriber, List<FaultPublisher> publishers, long acked)
            throws InterruptedException {
        long started = System.nanoTime();
        while (System.nanoTime() - started < DRAIN_MAX.toNanos()) {
            if (subscriber.received() >= acked) {
                BitSet[] sets = publishers.stream().map(FaultPublisher::acked).toArray(BitSet[]::new);
                if (FaultAnalysis.analyse(sets, subscriber.arrivals(), OptionalLong.empty())
                                .lost()
                        == 0) {
                    Thread.sleep(2_000); // late duplicates
                    return;
                }
            }
            if (System.nanoTime() - subscriber.lastArrivalNanos() > QUIET.toNanos()) {
                return;
            }
            Thread.sleep(250);
        }
    }

    /** Where the lost inputs stopped: never stored, stored but not marked published, or marked published. */
    private FaultResults.Outcome attribute(FaultResults.Outcome o, FaultKind kind, List<Instance> instances) {
        if (o.lost() == 0) {
            return o;
        }
        String url = kind.instances() > 1
                ? config.postgres().orElseThrow()
                : "jdbc:sqlite:"
                        + Path.of(instances.getFirst().env.get("DATA_DIR")).resolve("chatroom.db");
        try {
            FaultStore.Fates fates = FaultStore.fates(
                    url, config.postgresUser(), config.postgresPassword(), o.runNumber(), o.lostKeys());
            return o.withFates(fates);
        } catch (SQLException e) {
            console.error("cannot read the store to place the lost inputs: " + e.getMessage());
            return o;
        }
    }

    private void resetPostgres() {
        try (Connection c = DriverManager.getConnection(
                        config.postgres().orElseThrow(), config.postgresUser(), config.postgresPassword());
                Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS public CASCADE");
            s.execute("CREATE SCHEMA public");
        } catch (SQLException e) {
            throw new BenchException(
                    "cannot wipe the PostgreSQL database " + config.postgres().orElseThrow() + ": " + e.getMessage(),
                    e);
        }
    }

    /** A log line for the report: without its time stamp, at most 200 characters. */
    static String shorten(String line) {
        String l = line.replaceFirst("^(instance \\d+: )\\d\\d:\\d\\d:\\d\\d\\.\\d+ ", "$1");
        return l.length() <= 200 ? l : l.substring(0, 199) + "…";
    }

    private Path dir(FaultKind kind) {
        return config.workDir().resolve(kind.label());
    }

    /** Every arrival as {@code publisher,seq,sent_ms,arrived_ms} from the start of the load, for a closer look. */
    private static void writeArrivals(FaultAnalysis.Arrivals a, long start, Path csv) {
        StringBuilder sb = new StringBuilder("publisher,seq,sent_ms,arrived_ms\n");
        for (int i = 0; i < a.size(); i++) {
            sb.append(a.pubs()[i])
                    .append(',')
                    .append(a.seqs()[i])
                    .append(',')
                    .append((a.sent()[i] - start) / 1_000_000)
                    .append(',')
                    .append((a.arrived()[i] - start) / 1_000_000)
                    .append('\n');
        }
        try {
            Files.writeString(csv, sb);
        } catch (IOException e) {
            throw new BenchException("cannot write " + csv + ": " + e.getMessage(), e);
        }
    }
}
