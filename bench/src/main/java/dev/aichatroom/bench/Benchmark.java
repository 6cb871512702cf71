package dev.aichatroom.bench;

import dev.aichatroom.bench.Results.ConnectionSample;
import dev.aichatroom.bench.Results.ProductSample;
import dev.aichatroom.bench.Scenario.Mode;
import dev.aichatroom.bench.Scenario.Route;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The benchmark: starts the product (and Mosquitto), measures start-up, memory, the chat path and the raw broker path
 * on each broker, and writes {@code docs/benchmarks.md} and JSON. See {@code bench/README.md}.
 */
public final class Benchmark {
    // generous: on two cores shared with other work a start took 80-110 s
    private static final Duration HEALTHY_WITHIN = Duration.ofSeconds(240);
    /**
     * The connections part's chat runs: discarded load at max throughput right after start-up (the product's JIT needs
     * it), then fixed-rate runs of this long (after 2 s of warm-up) before and with the idle clients connected.
     */
    static final Duration CONNECTIONS_WARM = Duration.ofSeconds(30);

    static final Duration CONNECTIONS_CHAT = Duration.ofSeconds(10);
    /** The measured phase of each point of the curve, after 1 s of warm-up. */
    static final Duration CURVE_MEASURED = Duration.ofSeconds(3);

    private final BenchConfig config;
    private final Console console;
    private final List<ProductSample> products = new ArrayList<>();
    private final List<RunResult> runs = new ArrayList<>();
    private final List<RunResult> prewarms = new ArrayList<>();
    private final List<ConnectionSample> connections = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private final List<Results.CurvePoint> curve = new ArrayList<>();
    private final List<Results.FlameSummary> flames = new ArrayList<>();
    private int launches;
    private int runNumber;

    Benchmark(BenchConfig config, Console console) {
        this.config = config;
        this.console = console;
    }

    public static void main(String[] args) {
        Console console = Console.system();
        if (List.of(args).contains("--help")) {
            console.info("%s", FaultConfig.wanted(args) ? FaultConfig.USAGE : BenchConfig.USAGE);
            return;
        }
        int code = 0;
        try {
            if (FaultConfig.wanted(args)) {
                new FaultBench(FaultConfig.parse(args, Path.of("").toAbsolutePath(), System.getenv()), console)
                        .run(String.join(" ", args));
                System.exit(0);
            }
            List<String> render = List.of(args).stream()
                    .filter(a -> a.startsWith("--render="))
                    .toList();
            String[] rest =
                    List.of(args).stream().filter(a -> !render.contains(a)).toArray(String[]::new);
            BenchConfig config = BenchConfig.parse(rest, Path.of("").toAbsolutePath());
            if (render.isEmpty()) {
                new Benchmark(config, console).run(String.join(" ", args));
            } else {
                Path json = BenchConfig.root(Path.of("").toAbsolutePath())
                        .resolve(render.getLast().substring("--render=".length()));
                Report.render(json, config.markdown());
                console.info("Rendered %s from %s", config.markdown(), json);
            }
        } catch (BenchException e) {
            console.error(e.getMessage());
            code = 1;
        } catch (InterruptedException e) {
            console.error("interrupted");
            code = 130;
        }
        // the MQTT client's event loop may linger a few seconds after the last disconnect
        System.exit(code);
    }

    void run(String args) throws InterruptedException {
        if (!Files.isRegularFile(config.productJar())) {
            throw new BenchException(config.productJar() + " does not exist: build it first with"
                    + " ./mvnw -B -pl bench -am package -DskipTests");
        }
        if (config.runs(BenchConfig.CONNECTIONS)) {
            OpenFiles.check(OpenFiles.limit(), config.connections());
        }
        long t0 = System.nanoTime();
        String loadBefore = Host.loadAverage();
        Host.clearDirectory(config.workDir());
        if (config.runs(BenchConfig.STARTUP)) {
            for (int i = 0; i < config.startupRuns(); i++) {
                startOnly();
            }
        }
        for (String broker : config.loadsProduct() ? config.brokers() : List.<String>of()) {
            if (broker.equals(BenchConfig.MOSQUITTO)) {
                try (Mosquitto mosquitto = Mosquitto.start(
                        config.mosquitto(),
                        config.workDir().resolve("mosquitto"),
                        config.mosquittoMaxQueued(),
                        config.mosquittoNoDelay())) {
                    measureProduct(broker, Optional.of(mosquitto.endpoint()));
                    mosquitto.problems().stream()
                            .map(line -> line.replaceFirst("^\\d+: ", ""))
                            .distinct()
                            .limit(10)
                            .forEach(line -> problems.add("mosquitto log: " + line.strip()));
                }
            } else {
                measureProduct(broker, Optional.empty());
            }
        }
        if (config.runs(BenchConfig.CONNECTIONS)) {
            for (String broker : config.brokers()) {
                for (String transport : List.of(IdleClients.TCP, IdleClients.WEBSOCKET)) {
                    measureConnections(broker, transport);
                }
            }
        }
        Results results = new Results(
                new Results.Environment(
                        OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS).toString(),
                        Runtime.getRuntime().availableProcessors(),
                        loadBefore,
                        Host.loadAverage(),
                        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
                        System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                                + System.getProperty("os.arch"),
                        config.brokers().contains(BenchConfig.MOSQUITTO) ? Mosquitto.version(config.mosquitto()) : "",
                        String.format("%.0f", (System.nanoTime() - t0) / 1e9)),
                Results.Settings.of(config, args),
                products,
                runs,
                prewarms,
                connections,
                problems,
                curve,
                flames);
        Report.write(results, config.markdown(), config.json());
        console.info(
                "Wrote %s and %s (%s s)",
                config.markdown(), config.json(), results.environment().totalSeconds());
    }

    /** A product start for start-up time and memory only (embedded broker, no load). */
    private void startOnly() throws InterruptedException {
        try (ProductProcess product = launch(BenchConfig.EMBEDDED, Optional.empty())) {
            Duration startup = product.awaitHealthy(HEALTHY_WITHIN);
            Duration cpu = product.cpuTime();
            ProductProcess.Memory ready = product.memory();
            Duration stop = product.stop();
            products.add(new ProductSample(
                    BenchConfig.EMBEDDED,
                    false,
                    millis(startup),
                    ready.rssKib(),
                    0,
                    ready.peakKib(),
                    millis(stop),
                    millis(cpu)));
            console.info(
                    "start-up (embedded): %.0f ms to /health 200 (%.0f ms of CPU), RSS %d MiB, stop %.0f ms",
                    millis(startup), millis(cpu), ready.rssKib() / 1024, millis(stop));
        }
    }

    private void measureProduct(String broker, Optional<Endpoint> external) throws InterruptedException {
        try (ProductProcess product = launch(broker, external)) {
            Duration startup = product.awaitHealthy(HEALTHY_WITHIN);
            Duration cpu = product.cpuTime();
            ProductProcess.Memory ready = product.memory();
            console.info("%s: product healthy after %.0f ms", broker, millis(startup));
            Endpoint endpoint = external.orElseGet(() -> clientEndpoint(product));
            if (!config.prewarm().isZero()) {
                prewarm(broker, endpoint);
            }
            if (config.runs(BenchConfig.LOAD)) {
                // each chat run right before its raw counterpart: on a machine shared with other work the load changes
                // from minute to minute, and a ratio of two runs minutes apart measured that change as well
                for (int qos : config.qos()) {
                    for (Mode mode : List.of(Mode.FIXED_RATE, Mode.MAX)) {
                        for (Route route : Route.values()) {
                            measure(new Scenario(broker, route, qos, mode), endpoint);
                        }
                    }
                    if (!config.sustainedP99().isZero()) {
                        for (Route route : Route.values()) {
                            sustained(new Scenario(broker, route, qos, Mode.SUSTAINED), endpoint);
                        }
                    }
                }
            }
            // the embedded broker and an external one: on the external path the service's client and store are all of
            // the product's work (the TLS variant adds nothing the plain one does not show)
            if (config.runs(BenchConfig.FLAME) && !broker.equals(BenchConfig.EMBEDDED_TLS)) {
                try {
                    flame(broker, endpoint, product);
                } catch (BenchException e) {
                    problem("flame graph not made: " + e.getMessage());
                }
            }
            // last: its points past saturation leave the product a backlog
            if (config.runs(BenchConfig.CURVE)) {
                curve(broker, endpoint);
            }
            ProductProcess.Memory after = product.memory();
            product.problems().stream()
                    .distinct()
                    .limit(10)
                    .forEach(line -> problems.add(broker + ": product log: " + line.strip()));
            Duration stop = product.stop();
            products.add(new ProductSample(
                    broker,
                    true,
                    millis(startup),
                    ready.rssKib(),
                    after.rssKib(),
                    after.peakKib(),
                    millis(stop),
                    millis(cpu)));
        }
    }

    /**
     * The chat path at {@code --rate} msg/s, QoS 1, fixed rate (the load part's latency run, shorter) for the connections
     * part: its latencies, or none ({@link LatencySummary#empty()}) when a message was lost.
     */
    private LatencySummary connectionsChat(String broker, Endpoint tcp) throws InterruptedException {
        RunResult r = new LoadRun(
                        config.withPhases(Duration.ofSeconds(2), CONNECTIONS_CHAT),
                        tcp,
                        new Scenario(broker, Route.CHAT, 1, Mode.FIXED_RATE),
                        ++runNumber)
                .execute();
        return r.lost() == 0 ? r.latency() : LatencySummary.empty();
    }

    /**
     * Discarded load on every path right after start-up: the product's JIT needs tens of seconds of load on two cores
     * before its numbers settle, and the first measured run would otherwise pay for it. Kept in the report as the
     * product's cold-start throughput.
     */
    private void prewarm(String broker, Endpoint endpoint) throws InterruptedException {
        int paths = Route.values().length * config.qos().size();
        BenchConfig warm = config.withPhases(Duration.ZERO, config.prewarm().dividedBy(paths));
        for (int qos : config.qos()) {
            for (Route route : Route.values()) {
                RunResult r =
                        new LoadRun(warm, endpoint, new Scenario(broker, route, qos, Mode.MAX), ++runNumber).execute();
                prewarms.add(r);
                console.info(
                        "%-9s %-10s QoS %d prewarm         delivered %7.0f msg/s/sub (discarded)",
                        broker, route.label(), qos, r.deliveredPerSecond());
            }
        }
    }

    /**
     * The chat path at fixed rates in one room, then in more rooms at {@code --rate}: how the cost per message grows
     * with the load and with the rooms.
     */
    private void curve(String broker, Endpoint endpoint) throws InterruptedException {
        Scenario s = new Scenario(broker, Route.CHAT, config.curveQos(), Mode.FIXED_RATE);
        // shorter phases: a point past saturation leaves a backlog of everything it offered beyond the path's rate
        BenchConfig point = config.withPhases(Duration.ofSeconds(1), CURVE_MEASURED);
        List<Results.CurvePoint> rooms = new ArrayList<>();
        for (int n : config.curveRooms()) {
            if (n == 1 && config.curveRates().contains(config.rate())) {
                continue; // the same run as the rate series' point
            }
            rooms.add(new Results.CurvePoint("rooms", n, config.rate(), measure(s, endpoint, point, n)));
        }
        // the rates last, in order: the points past saturation leave a backlog
        for (int rate : config.curveRates().stream().sorted().toList()) {
            curve.add(new Results.CurvePoint("rate", 1, rate, measure(s, endpoint, point.withRate(rate), 1)));
        }
        curve.addAll(rooms);
    }

    /** A CPU profile of the product while the chat path runs at saturation (QoS 1, max throughput). */
    private void flame(String broker, Endpoint endpoint, ProductProcess product) throws InterruptedException {
        Profiler profiler = Profiler.unpack(config.workDir().resolve("async-profiler"));
        try {
            Files.createDirectories(config.flame().toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new BenchException("cannot create the folder of " + config.flame() + ": " + e.getMessage(), e);
        }
        Path graph = flameGraph(config.flame(), broker);
        Path collapsed = config.workDir().resolve(graph.getFileName().toString().replace(".html", ".collapsed"));
        Scenario s = new Scenario(broker, Route.CHAT, 1, Mode.MAX);
        BenchConfig profiled = config.withPhases(Duration.ofSeconds(1), config.flameSeconds());
        profiler.start(product.pid());
        RunResult r;
        try {
            r = new LoadRun(profiled, endpoint, s, ++runNumber).execute();
        } finally {
            profiler.stop(product.pid(), graph, collapsed);
        }
        Profiler.Summary summary;
        try {
            summary = Profiler.summarise(Files.readAllLines(collapsed));
        } catch (IOException e) {
            throw new BenchException("cannot read the profile " + collapsed + ": " + e.getMessage(), e);
        }
        Path relative = config.markdown().toAbsolutePath().getParent().relativize(graph.toAbsolutePath());
        flames.add(new Results.FlameSummary(
                broker,
                1,
                config.flameSeconds().toMillis() / 1000.0,
                r.deliveredPerSecond(),
                relative.toString(),
                summary.samples(),
                summary.byThread(),
                summary.byCode()));
        console.info(
                "%-9s chat       QoS 1 profiled       delivered %7.0f msg/s/sub, %d CPU samples -> %s",
                broker, r.deliveredPerSecond(), summary.samples(), graph);
    }

    /** The embedded broker's flame graph is {@code flame} itself; another broker's has the broker's name added. */
    static Path flameGraph(Path flame, String broker) {
        if (broker.equals(BenchConfig.EMBEDDED)) {
            return flame;
        }
        String name = flame.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String named = dot < 0 ? name + "-" + broker : name.substring(0, dot) + "-" + broker + name.substring(dot);
        return flame.resolveSibling(named);
    }

    private void measure(Scenario s, Endpoint endpoint) throws InterruptedException {
        runs.add(measure(s, endpoint, config, 1));
    }

    /**
     * The sustained-rate search on one path ({@link RateSearch}), starting from what its closed-loop run delivered:
     * fixed-rate steps of 1 s warm-up and 3 s measured, like the curve's points.
     */
    private void sustained(Scenario s, Endpoint endpoint) throws InterruptedException {
        int start = runs.stream()
                .filter(r -> r.scenario().equals(new Scenario(s.broker(), s.route(), s.qos(), Mode.MAX)))
                .mapToInt(r -> (int) Math.round(r.deliveredPerSecond()))
                .findFirst()
                .orElse(config.rate());
        BenchConfig step = config.withPhases(Duration.ofSeconds(1), CURVE_MEASURED);
        long bound = config.sustainedP99().toNanos();
        RateSearch.Outcome o = RateSearch.search(start, rate -> {
            // a fixed-rate run: LoadRun keeps a window only for MAX
            RunResult r = new LoadRun(step.withRate(rate), endpoint, s, ++runNumber).execute();
            boolean keptUp = RateSearch.keptUp(r, rate, bound);
            console.info(
                    "%-9s %-10s QoS %d sustained step  offered %7d msg/s, delivered %7.0f msg/s/sub, p99 %7.2f ms,"
                            + " lost %d, dup %d: %s",
                    s.broker(),
                    s.route().label(),
                    s.qos(),
                    rate,
                    r.deliveredPerSecond(),
                    LatencySummary.ms(r.latency().p99()),
                    r.lost(),
                    r.duplicates(),
                    keptUp ? "kept up" : "fell behind");
            return new RateSearch.Step(rate, r, keptUp);
        });
        if (o.sustained().isEmpty()) {
            problems.add(String.format(
                    "%s %s QoS %d sustained rate: the path kept up with none of the rates tried (%s msg/s)",
                    s.broker(),
                    s.route().label(),
                    s.qos(),
                    o.steps().stream().map(x -> Integer.toString(x.rate())).toList()));
            return;
        }
        runs.add(o.sustained().get().result());
    }

    /**
     * One run. A fixed-rate run that could not keep up is a problem of the report's main runs only: the curve goes past
     * saturation on purpose.
     */
    private RunResult measure(Scenario s, Endpoint endpoint, BenchConfig config, int rooms)
            throws InterruptedException {
        boolean curvePoint = config != this.config || rooms > 1;
        RunResult r = new LoadRun(config, endpoint, s, ++runNumber, rooms).execute();
        LatencySummary l = r.latency();
        console.info(
                "%-9s %-10s QoS %d %-14s %3d room(s) offered %7.0f msg/s, delivered %7.0f msg/s/sub, p50 %7.2f ms, p99 %7.2f ms,"
                        + " max %7.2f ms, lost %d, dup %d",
                s.broker(),
                s.route().label(),
                s.qos(),
                s.mode().label(),
                rooms,
                r.offeredPerSecond(),
                r.deliveredPerSecond(),
                LatencySummary.ms(l.p50()),
                LatencySummary.ms(l.p99()),
                LatencySummary.ms(l.max()),
                r.lost(),
                r.duplicates());
        if (s.mode() == Mode.FIXED_RATE
                && !curvePoint
                && Math.abs(r.deliveredPerSecond() - r.offeredPerSecond()) > 0.05 * r.offeredPerSecond()) {
            problems.add(String.format(
                    "%s %s QoS %d fixed rate: delivered %.0f msg/s per subscriber against %.0f offered: the path had"
                            + " not caught up with the offered load (its latencies include that backlog)",
                    s.broker(), s.route().label(), s.qos(), r.deliveredPerSecond(), r.offeredPerSecond()));
        }
        if (r.hasProblems()) {
            String p = String.format(
                    "%s %s QoS %d %s%s: lost %d, duplicates %d, publish errors %d, service rejections %d%s",
                    s.broker(),
                    s.route().label(),
                    s.qos(),
                    s.mode().label(),
                    curvePoint ? String.format(" (curve: %d msg/s, %d room(s))", config.rate(), rooms) : "",
                    r.lost(),
                    r.duplicates(),
                    r.publishErrors(),
                    r.rejected(),
                    r.stalled() ? ", a publisher stalled (window never reopened)" : "");
            problems.add(p);
            console.error(p);
        }
        return r;
    }

    /**
     * The connections part on one broker and transport, with processes of its own (so that memory freed by an earlier
     * part cannot be reused): {@code --connections} idle clients, the broker's memory before and with them, one chat
     * message before and with them, then all disconnect.
     */
    private void measureConnections(String broker, String transport) throws InterruptedException {
        boolean external = broker.equals(BenchConfig.MOSQUITTO);
        try (Mosquitto mosquitto = external
                        ? Mosquitto.start(
                                config.mosquitto(),
                                config.workDir().resolve("mosquitto-connections-" + transport.toLowerCase(Locale.ROOT)),
                                config.mosquittoMaxQueued(),
                                config.mosquittoNoDelay(),
                                true)
                        : null;
                ProductProcess product =
                        launch(broker, Optional.ofNullable(mosquitto).map(Mosquitto::endpoint))) {
            product.awaitHealthy(HEALTHY_WITHIN);
            Endpoint tcp = external ? mosquitto.endpoint() : clientEndpoint(product);
            Endpoint target = !transport.equals(IdleClients.WEBSOCKET)
                    ? tcp
                    : external
                            ? mosquitto.webSocketEndpoint()
                            : new Endpoint("127.0.0.1", product.wsPort(), product.tls());
            Supplier<ProductProcess.Memory> memory = external ? mosquitto::memory : product::memory;
            int run = ++runNumber;
            String tag = ProcessHandle.current().pid() + "-" + run;
            IdleClients idle = new IdleClients();
            try {
                new LoadRun(
                                config.withPhases(Duration.ZERO, CONNECTIONS_WARM),
                                tcp,
                                new Scenario(broker, Route.CHAT, 1, Mode.MAX),
                                ++runNumber)
                        .execute();
                LatencySummary alone = connectionsChat(broker, tcp);
                Thread.sleep(500);
                long before = memory.get().rssKib();
                IdleClients.Phase up = idle.connect(
                        target, transport, config.connections(), config.connectInFlight(), "bench-idle-" + tag + "-");
                Thread.sleep(1_000);
                long with = memory.get().rssKib();
                LatencySummary chat = connectionsChat(broker, tcp);
                IdleClients.Phase down = idle.disconnectAll(config.connectInFlight());
                Thread.sleep(1_000);
                long after = memory.get().rssKib();
                ConnectionSample c = ConnectionSample.of(
                        broker,
                        transport,
                        external ? "mosquitto" : "product",
                        config.connections(),
                        up.succeeded(),
                        config.connectInFlight(),
                        up.nanos(),
                        before,
                        with,
                        after,
                        alone,
                        chat,
                        down.nanos());
                connections.add(c);
                console.info(
                        "%-9s %-9s %d idle clients: %d connected at %.0f/s, %s RSS %d → %d MiB (%.1f KiB each),"
                                + " chat p50/p99 %s ms (alone %s ms), disconnected in %.0f ms",
                        broker,
                        transport,
                        c.clients(),
                        c.connected(),
                        c.connectsPerSecond(),
                        c.process(),
                        before / 1024,
                        with / 1024,
                        c.kibPerConnection(),
                        Report.chat(chat),
                        Report.chat(alone),
                        c.disconnectMillis());
                if (up.failed() > 0) {
                    problem(String.format(
                            Locale.ROOT,
                            "%s %s connections: %d of %d clients did not connect (first error: %s)",
                            broker,
                            transport,
                            up.failed(),
                            c.clients(),
                            up.firstError()));
                }
                if (down.failed() > 0) {
                    problem(String.format(
                            Locale.ROOT,
                            "%s %s connections: %d disconnects failed (first error: %s)",
                            broker,
                            transport,
                            down.failed(),
                            down.firstError()));
                }
                if (chat.count() == 0 || alone.count() == 0) {
                    problem(broker + " " + transport + " connections: chat messages "
                            + (alone.count() == 0 ? "before" : "with")
                            + " the idle clients were lost");
                }
            } finally {
                idle.close();
            }
            product.problems().stream()
                    .distinct()
                    .limit(10)
                    .forEach(line ->
                            problems.add(broker + " " + transport + " connections: product log: " + line.strip()));
            if (mosquitto != null) {
                mosquitto.problems().stream()
                        .map(line -> line.replaceFirst("^\\d+: ", ""))
                        .distinct()
                        .limit(10)
                        .forEach(line -> problems.add(transport + " connections: mosquitto log: " + line.strip()));
            }
        }
    }

    private void problem(String p) {
        problems.add(p);
        console.error(p);
    }

    /** Where the bench's clients reach the product's own broker: MQTT over TLS when it has a certificate. */
    private static Endpoint clientEndpoint(ProductProcess product) {
        return product.tls().isPresent()
                ? new Endpoint("127.0.0.1", product.tlsPort(), product.tls())
                : new Endpoint("127.0.0.1", product.mqttPort());
    }

    private ProductProcess launch(String broker, Optional<Endpoint> external) {
        int n = ++launches;
        Path dir = config.workDir().resolve("product-" + n + "-" + broker);
        Map<String, String> env = new HashMap<>();
        env.put("MQTT_BROKER", external.map(Endpoint::host).orElse("embedded"));
        env.put("MQTT_PORT", Integer.toString(external.map(Endpoint::port).orElseGet(Ports::free)));
        env.put("MQTT_WS_PORT", Integer.toString(Ports.free()));
        env.put("PORT", Integer.toString(Ports.free()));
        env.put("DATA_DIR", dir.resolve("data").toString());
        env.put("CHAT_RATE_PER_MINUTE", "0");
        // every bench client comes from 127.0.0.1: the connections part opens more than the default per-address limit
        env.put("MQTT_MAX_CONNECTIONS_PER_IP", "0");
        env.put("MQTT_CLIENT_ID", "bench-service-" + ProcessHandle.current().pid() + "-" + n);
        if (external.isEmpty() && config.mosquittoMaxQueued() > 0) {
            // the embedded broker's bound on what waits for one subscriber, as Mosquitto's max_queued_messages: the
            // overload points would otherwise measure the bound (messages dropped for a subscriber behind) as loss
            env.put("MQTT_MAX_QUEUED_MESSAGES", Integer.toString(config.mosquittoMaxQueued()));
        }
        if (broker.equals(BenchConfig.EMBEDDED_TLS)) {
            SelfSigned certificate = SelfSigned.make(dir.resolve("tls"));
            env.put("TLS_CERT", certificate.certificate().toString());
            env.put("TLS_KEY", certificate.key().toString());
            env.put("MQTT_TLS_PORT", Integer.toString(Ports.free()));
            env.put("TLS_RELOAD_INTERVAL", "0");
        }
        for (String setting : config.productEnv()) {
            int eq = setting.indexOf('=');
            env.put(setting.substring(0, eq), setting.substring(eq + 1));
        }
        return ProductProcess.start(config.productJar(), config.productJvmArgs(), env, dir, dir.resolve("product.log"));
    }

    private static double millis(Duration d) {
        return d.toNanos() / 1e6;
    }
}
