package dev.aichatroom.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What to run, from {@code --name=value} arguments; defaults keep a full run near four and a half minutes on two
 * cores.
 *
 * @param mosquittoMaxQueued see {@link Mosquitto#config}
 * @param mosquittoNoDelay see {@link Mosquitto#config}
 *
 * @param rate messages per second offered by all publishers together in the fixed-rate (latency) runs
 * @param window messages per publisher that may be on their way to the subscribers in the max-throughput runs
 * @param sustainedP99 the p99 under which a fixed-rate step of the sustained-rate search counts as kept up; zero skips
 *     the search
 * @param prewarm discarded max-throughput load on every path after each product start, shared among the paths, so
 *     that the first measured run does not pay for the product's JIT warm-up
 * @param connections idle clients opened at once in the connections part, per broker and transport; 0 skips it
 * @param connectInFlight connects (and disconnects) of the connections part that may await their answer at once
 * @param parts which parts run: {@link #STARTUP}, {@link #LOAD}, {@link #CURVE}, {@link #FLAME}, {@link #CONNECTIONS}
 * @param curveRates the offered rates (msg/s, all publishers together) of the curve's chat runs in one room
 * @param curveRooms the numbers of rooms of the curve's chat runs at {@code rate}
 * @param curveQos the QoS of the curve's runs
 * @param flameSeconds how long the chat path is profiled at saturation (each broker but embedded-tls, QoS 1)
 * @param flame where the flame graph (async-profiler's HTML) goes
 * @param productEnv {@code NAME=value} settings added to the product's environment, e.g. {@code MQTT_JOURNAL_SYNC=true}
 */
public record BenchConfig(
        Path productJar,
        Path mosquitto,
        int publishers,
        int subscribers,
        Duration warmup,
        Duration measure,
        Duration prewarm,
        int rate,
        int window,
        Duration sustainedP99,
        List<String> brokers,
        List<Integer> qos,
        int startupRuns,
        int mosquittoMaxQueued,
        boolean mosquittoNoDelay,
        List<String> productJvmArgs,
        List<String> productEnv,
        int connections,
        int connectInFlight,
        List<String> parts,
        List<Integer> curveRates,
        List<Integer> curveRooms,
        int curveQos,
        Duration flameSeconds,
        Path flame,
        Path markdown,
        Path json,
        Path workDir) {
    static final String EMBEDDED = "embedded";
    static final String MOSQUITTO = "mosquitto";
    /** The embedded broker, its clients on MQTT over TLS (and WebSocket over TLS): what TLS costs. */
    static final String EMBEDDED_TLS = "embedded-tls";

    static final String STARTUP = "startup";
    static final String LOAD = "load";
    static final String CONNECTIONS = "connections";
    /** Chat-path latency as the offered rate and the number of rooms grow. */
    static final String CURVE = "curve";
    /** A CPU profile of the chat path at saturation, as a flame graph. */
    static final String FLAME = "flame";

    static final List<String> PARTS = List.of(STARTUP, LOAD, CURVE, FLAME, CONNECTIONS);

    static final String USAGE = """
            Usage: java -jar bench/target/ai-chatroom-bench.jar [--name=value ...]   (run from the repository root)
              --publishers=4          publishers (each its own MQTT connection and client_id)
              --subscribers=2         subscribers of the output topic
              --warmup=2              seconds of load before each measured phase (not counted)
              --duration=5            seconds of each measured phase
              --prewarm=60            seconds of discarded load (every path, max throughput) after each product start
              --rate=1000             msg/s offered by all publishers together in the fixed-rate (latency) runs
              --window=25             in-flight messages per publisher in the max-throughput runs
              --sustained-p99=0.1     seconds: p99 under which a step of the sustained-rate search kept up; 0 skips it
              --brokers=embedded,mosquitto  (embedded-tls: the embedded broker with clients on TLS, needs openssl)
              --qos=0,1
              --startup-runs=2        extra product starts (embedded broker) for start-up time and memory
              --mosquitto-max-queued=100000  Mosquitto's max_queued_messages and the embedded broker's MQTT_MAX_QUEUED_MESSAGES; 0 keeps their defaults (1000)
              --mosquitto-nodelay=false      true adds set_tcp_nodelay true (no Nagle) to Mosquitto's configuration
              --render=docs/benchmarks.json  only render the Markdown (--out) again from a run's JSON
              --product-jvm-args=     JVM options for the product, space-separated (default: none)
              --product-env=          NAME=value settings for the product, space-separated, e.g. MQTT_JOURNAL_SYNC=true
              --connections=10000     idle MQTT clients per broker and transport (TCP, WebSocket); 0 skips them
              --connect-in-flight=100 connects awaiting their CONNACK at once in the connections part
              --only=startup,load,curve,flame,connections  which parts run (default: all), e.g. --only=connections
              --curve-rates=100,1000,5000,10000  offered msg/s of the curve's chat runs (one room)
              --curve-rooms=1,10,100  rooms of the curve's chat runs (at --rate)
              --curve-qos=1           QoS of the curve's runs
              --flame-seconds=10      seconds of chat load at saturation profiled (each broker, QoS 1)
              --flame=docs/benchmarks-flame.html  the flame graph (async-profiler); another broker's gets its name added
              --jar=server/target/ai-chatroom.jar
              --mosquitto=/usr/sbin/mosquitto
              --out=docs/benchmarks.md
              --json=docs/benchmarks.json
              --work=bench/target/bench-work   product logs and data of this run
            """;

    private static final Set<String> KEYS = Set.of(
            "publishers",
            "subscribers",
            "warmup",
            "duration",
            "prewarm",
            "rate",
            "window",
            "sustained-p99",
            "brokers",
            "qos",
            "startup-runs",
            "mosquitto-max-queued",
            "mosquitto-nodelay",
            "product-jvm-args",
            "product-env",
            "connections",
            "connect-in-flight",
            "only",
            "curve-rates",
            "curve-rooms",
            "curve-qos",
            "flame-seconds",
            "flame",
            "jar",
            "mosquitto",
            "out",
            "json",
            "work");

    public BenchConfig {
        brokers = List.copyOf(brokers);
        qos = List.copyOf(qos);
        productJvmArgs = List.copyOf(productJvmArgs);
        productEnv = List.copyOf(productEnv);
        for (String setting : productEnv) {
            if (!setting.matches("[A-Z][A-Z0-9_]*=.*")) {
                throw new BenchException("--product-env: '" + setting + "' is not NAME=value");
            }
        }
        parts = List.copyOf(parts);
        curveRates = List.copyOf(curveRates);
        curveRooms = List.copyOf(curveRooms);
        if (curveRates.stream().anyMatch(r -> r < publishers)
                || curveRooms.stream().anyMatch(r -> r < 1 || r > 100)) {
            throw new BenchException("--curve-rates must be at least one per publisher, --curve-rooms 1 to 100");
        }
        if (curveQos != 0 && curveQos != 1) {
            throw new BenchException("--curve-qos: " + curveQos + " is not 0 or 1");
        }
        if (flameSeconds.isNegative() || flameSeconds.isZero()) {
            throw new BenchException("--flame-seconds must be positive");
        }
        if (publishers < 1 || subscribers < 1) {
            throw new BenchException("--publishers and --subscribers must be at least 1");
        }
        if (rate < publishers) {
            throw new BenchException("--rate=" + rate + " is below one message per second per publisher");
        }
        if (sustainedP99.isNegative()) {
            throw new BenchException("--sustained-p99 must not be negative");
        }
        if (window < 1) {
            throw new BenchException("--window must be at least 1");
        }
        if (measure.isZero() || measure.isNegative() || warmup.isNegative() || prewarm.isNegative()) {
            throw new BenchException("--duration must be positive, --warmup and --prewarm not negative");
        }
        for (String b : brokers) {
            if (!b.equals(EMBEDDED) && !b.equals(MOSQUITTO) && !b.equals(EMBEDDED_TLS)) {
                throw new BenchException("--brokers: '" + b + "' is not one of embedded, mosquitto, embedded-tls");
            }
        }
        for (int q : qos) {
            if (q != 0 && q != 1) {
                throw new BenchException("--qos: " + q + " is not 0 or 1");
            }
        }
        if (connections < 0 || connectInFlight < 1) {
            throw new BenchException("--connections must not be negative, --connect-in-flight at least 1");
        }
        if (parts.isEmpty()) {
            throw new BenchException("--only: name at least one of " + String.join(", ", PARTS));
        }
        for (String part : parts) {
            if (!PARTS.contains(part)) {
                throw new BenchException("--only: '" + part + "' is not one of " + String.join(", ", PARTS));
            }
        }
    }

    boolean runs(String part) {
        return parts.contains(part) && (!part.equals(CONNECTIONS) || connections > 0);
    }

    /**
     * @param cwd paths are resolved against the repository root: {@code cwd}, or its parent when run from
     *     {@code bench/}
     */
    public static BenchConfig parse(String[] args, Path cwd) {
        Map<String, String> o = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 0 || !KEYS.contains(arg.substring(2, eq))) {
                throw new BenchException("unknown argument '" + arg + "'\n" + USAGE);
            }
            o.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        Path root = root(cwd);
        return new BenchConfig(
                root.resolve(o.getOrDefault("jar", "server/target/ai-chatroom.jar")),
                Path.of(o.getOrDefault("mosquitto", "/usr/sbin/mosquitto")),
                integer(o, "publishers", 4),
                integer(o, "subscribers", 2),
                seconds(o, "warmup", 2),
                seconds(o, "duration", 5),
                seconds(o, "prewarm", 60),
                integer(o, "rate", 1000),
                integer(o, "window", 25),
                seconds(o, "sustained-p99", 0.1),
                list(o.getOrDefault("brokers", EMBEDDED + "," + MOSQUITTO)),
                list(o.getOrDefault("qos", "0,1")).stream()
                        .map(q -> parseInt("qos", q))
                        .toList(),
                integer(o, "startup-runs", 2),
                integer(o, "mosquitto-max-queued", 100_000),
                bool(o, "mosquitto-nodelay", false),
                words(o.getOrDefault("product-jvm-args", "")),
                words(o.getOrDefault("product-env", "")),
                integer(o, "connections", 10_000),
                integer(o, "connect-in-flight", 100),
                list(o.getOrDefault("only", String.join(",", PARTS))),
                integers(o, "curve-rates", "100,1000,5000,10000"),
                integers(o, "curve-rooms", "1,10,100"),
                integer(o, "curve-qos", 1),
                seconds(o, "flame-seconds", 10),
                root.resolve(o.getOrDefault("flame", "docs/benchmarks-flame.html")),
                root.resolve(o.getOrDefault("out", "docs/benchmarks.md")),
                root.resolve(o.getOrDefault("json", "docs/benchmarks.json")),
                root.resolve(o.getOrDefault("work", "bench/target/bench-work")));
    }

    /** The same run with other warm-up and measured durations. */
    BenchConfig withPhases(Duration newWarmup, Duration newMeasure) {
        return with(newWarmup, newMeasure, rate);
    }

    /** The same run with another offered rate for the fixed-rate runs. */
    BenchConfig withRate(int newRate) {
        return with(warmup, measure, newRate);
    }

    private BenchConfig with(Duration newWarmup, Duration newMeasure, int newRate) {
        return new BenchConfig(
                productJar,
                mosquitto,
                publishers,
                subscribers,
                newWarmup,
                newMeasure,
                prewarm,
                newRate,
                window,
                sustainedP99,
                brokers,
                qos,
                startupRuns,
                mosquittoMaxQueued,
                mosquittoNoDelay,
                productJvmArgs,
                productEnv,
                connections,
                connectInFlight,
                parts,
                curveRates,
                curveRooms,
                curveQos,
                flameSeconds,
                flame,
                markdown,
                json,
                workDir);
    }

    /** Whether a product runs under load: the load, curve or flame part. */
    boolean loadsProduct() {
        return runs(LOAD) || runs(CURVE) || runs(FLAME);
    }

    static Path root(Path cwd) {
        if (Files.exists(cwd.resolve("bench/pom.xml"))) {
            return cwd;
        }
        Path parent = cwd.toAbsolutePath().getParent();
        return parent != null && Files.exists(parent.resolve("bench/pom.xml")) ? parent : cwd;
    }

    private static List<String> list(String csv) {
        return Arrays.stream(csv.split(","))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    /** JVM options are separated by spaces only: one option may contain commas ({@code -Xlog:gc,safepoint}). */
    private static List<String> words(String s) {
        return Arrays.stream(s.strip().split("\\s+")).filter(w -> !w.isEmpty()).toList();
    }

    private static List<Integer> integers(Map<String, String> o, String key, String fallback) {
        return list(o.getOrDefault(key, fallback)).stream()
                .map(v -> parseInt(key, v))
                .toList();
    }

    private static boolean bool(Map<String, String> o, String key, boolean fallback) {
        String v = o.getOrDefault(key, Boolean.toString(fallback)).strip();
        if (!v.equals("true") && !v.equals("false")) {
            throw new BenchException("--" + key + "=" + v + " is not true or false");
        }
        return Boolean.parseBoolean(v);
    }

    private static int integer(Map<String, String> o, String key, int fallback) {
        return o.containsKey(key) ? parseInt(key, o.get(key)) : fallback;
    }

    private static int parseInt(String key, String value) {
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new BenchException("--" + key + "=" + value + " is not a whole number");
        }
    }

    private static Duration seconds(Map<String, String> o, String key, double fallback) {
        String v = o.getOrDefault(key, Double.toString(fallback)).strip();
        try {
            return Duration.ofMillis(Math.round(
                    Double.parseDouble(v.endsWith("s") ? v.substring(0, v.length() - 1) : v) * 1000));
        } catch (NumberFormatException e) {
            throw new BenchException("--" + key + "=" + v + " is not a number of seconds");
        }
    }
}
