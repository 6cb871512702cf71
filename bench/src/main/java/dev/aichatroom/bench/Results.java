package dev.aichatroom.bench;

import java.util.List;

/** Everything one bench run measured, as written to JSON and rendered to Markdown. */
public record Results(
        Environment environment,
        Settings settings,
        List<ProductSample> products,
        List<RunResult> runs,
        List<RunResult> prewarms,
        List<ConnectionSample> connections,
        List<String> problems,
        List<CurvePoint> curve,
        List<FlameSummary> flames) {
    public Results {
        products = List.copyOf(products);
        runs = List.copyOf(runs);
        prewarms = List.copyOf(prewarms);
        // absent from the JSON of runs made before the connections part existed
        connections = connections == null ? List.of() : List.copyOf(connections);
        problems = List.copyOf(problems);
        // absent from the JSON of runs made before the curve and the flame graph existed
        curve = curve == null ? List.of() : List.copyOf(curve);
        flames = flames == null ? List.of() : List.copyOf(flames);
    }

    /** Without a curve or a flame graph (the parts that measure neither). */
    public Results(
            Environment environment,
            Settings settings,
            List<ProductSample> products,
            List<RunResult> runs,
            List<RunResult> prewarms,
            List<ConnectionSample> connections,
            List<String> problems) {
        this(environment, settings, products, runs, prewarms, connections, problems, List.of(), List.of());
    }

    /**
     * One point of the curve: a fixed-rate chat run at {@code rate} msg/s offered over {@code rooms} rooms.
     *
     * @param series {@code "rate"} (one room, the rate grows) or {@code "rooms"} (the rooms grow at one rate)
     */
    public record CurvePoint(String series, int rooms, int rate, RunResult result) {}

    /**
     * A CPU profile of the chat path at saturation.
     *
     * @param file the flame graph, relative to the report
     * @param samples CPU samples taken
     * @param byThread share of the samples per group of threads, largest first
     * @param byCode share of the samples whose stack holds each part's code (one sample may count for several)
     */
    public record FlameSummary(
            String broker,
            int qos,
            double seconds,
            double deliveredPerSecond,
            String file,
            long samples,
            List<Share> byThread,
            List<Share> byCode) {
        public FlameSummary {
            byThread = List.copyOf(byThread);
            byCode = List.copyOf(byCode);
        }
    }

    /** A part of the samples: what, and its percentage. */
    public record Share(String what, double percent) {}

    /** Where and when it ran. {@code loadBefore}/{@code loadAfter} are /proc/loadavg: other work on the machine. */
    public record Environment(
            String date,
            int cores,
            String loadBefore,
            String loadAfter,
            String java,
            String os,
            String mosquitto,
            String totalSeconds) {}

    /** The options of the run, as the report states them. */
    public record Settings(
            int publishers,
            int subscribers,
            double warmupSeconds,
            double measuredSeconds,
            double prewarmSeconds,
            int rate,
            int window,
            List<String> brokers,
            List<Integer> qos,
            List<String> productJvmArgs,
            int mosquittoMaxQueued,
            boolean mosquittoNoDelay,
            int connections,
            int connectInFlight,
            List<String> parts,
            String command,
            List<String> productEnv,
            double sustainedP99Millis) {
        public Settings {
            productEnv = productEnv == null ? List.of() : List.copyOf(productEnv);
            // absent from the JSON of runs made before --only existed: they ran everything but the connections
            parts = parts == null ? List.of(BenchConfig.STARTUP, BenchConfig.LOAD) : List.copyOf(parts);
        }

        static Settings of(BenchConfig c, String command) {
            return new Settings(
                    c.publishers(),
                    c.subscribers(),
                    c.warmup().toMillis() / 1000.0,
                    c.measure().toMillis() / 1000.0,
                    c.prewarm().toMillis() / 1000.0,
                    c.rate(),
                    c.window(),
                    c.brokers(),
                    c.qos(),
                    c.productJvmArgs(),
                    c.mosquittoMaxQueued(),
                    c.mosquittoNoDelay(),
                    c.connections(),
                    c.connectInFlight(),
                    c.parts(),
                    command,
                    c.productEnv(),
                    c.sustainedP99().toMillis());
        }
    }

    /**
     * One start of the product: from process start to {@code /health} 200, its resident memory then, after the load
     * runs (0 when it ran none) and at its peak, and how long SIGTERM took to stop it.
     */
    /**
     * One product start.
     *
     * @param startupCpuMillis CPU time (user + system, all threads) the product's process used until {@code /health}
     *     answered 200: unlike the wall-clock start-up, it hardly depends on what else the machine runs; 0 when unknown
     */
    public record ProductSample(
            String broker,
            boolean underLoad,
            double startupMillis,
            long readyRssKib,
            long afterLoadRssKib,
            long peakRssKib,
            double stopMillis,
            double startupCpuMillis) {}

    /**
     * The connections part on one broker and transport: {@code clients} idle clients opened with at most {@code
     * inFlight} connects awaiting their CONNACK, and the resident memory of the process that holds the broker's side
     * ({@code process}: the product for the embedded broker, else Mosquitto) before, with them and after they left.
     *
     * @param connected clients that got their CONNACK
     * @param connectMillis first CONNECT sent → last CONNACK (or failure)
     * @param connectsPerSecond {@code connected} per second of {@code connectMillis}
     * @param kibPerConnection RSS growth from before to with the clients, per connected client
     * @param chatAlone the latencies of the chat path at the fixed rate just before the clients connected; no samples
     *     ({@link LatencySummary#empty()}) when a message was lost
     * @param chatConnected the same with the clients connected
     * @param disconnectMillis first DISCONNECT sent → last connection closed
     */
    public record ConnectionSample(
            String broker,
            String transport,
            String process,
            int clients,
            int connected,
            int inFlight,
            double connectMillis,
            double connectsPerSecond,
            long rssBeforeKib,
            long rssConnectedKib,
            long rssAfterDisconnectKib,
            double kibPerConnection,
            LatencySummary chatAlone,
            LatencySummary chatConnected,
            double disconnectMillis) {
        public ConnectionSample {
            // a report written before the chat latencies were summaries has medians only: shown as lost, not guessed
            chatAlone = chatAlone == null ? LatencySummary.empty() : chatAlone;
            chatConnected = chatConnected == null ? LatencySummary.empty() : chatConnected;
        }

        static ConnectionSample of(
                String broker,
                String transport,
                String process,
                int clients,
                int connected,
                int inFlight,
                long connectNanos,
                long rssBeforeKib,
                long rssConnectedKib,
                long rssAfterDisconnectKib,
                LatencySummary chatAlone,
                LatencySummary chatConnected,
                long disconnectNanos) {
            return new ConnectionSample(
                    broker,
                    transport,
                    process,
                    clients,
                    connected,
                    inFlight,
                    connectNanos / 1e6,
                    connectNanos > 0 ? connected / (connectNanos / 1e9) : 0,
                    rssBeforeKib,
                    rssConnectedKib,
                    rssAfterDisconnectKib,
                    connected > 0 ? (rssConnectedKib - rssBeforeKib) / (double) connected : 0,
                    chatAlone,
                    chatConnected,
                    disconnectNanos / 1e6);
        }

        /** Whether every chat message sent with the clients connected arrived. */
        public boolean chatWorked() {
            return chatConnected.count() > 0;
        }
    }
}
