package dev.aichatroom.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the fault part runs, from {@code --only=faults --name=value ...}.
 *
 * @param messages acknowledged inputs wanted per scenario (all publishers together)
 * @param rate inputs per second offered by all publishers together (every scenario but the burst)
 * @param burst inputs of the burst scenario
 * @param keepAlive the service's MQTT keep-alive ({@code MQTT_KEEP_ALIVE}); the partition lasts three of them
 * @param warmup discarded load at {@code rate} after the product started, before the scenario's own
 * @param faultAfter when in the load the fault is injected
 * @param down how long a killed or stopped process stays down before it is started again; {@link #NEVER}: an instance
 *     killed or stopped is not started again (a live one takes it over after {@code CHAT_INSTANCE_TIMEOUT})
 * @param postgres JDBC URL of a PostgreSQL database the two-instance scenarios may wipe; empty skips them
 * @param autosave Mosquitto's {@code autosave_interval}, seconds (its default 1800); 0 leaves it out
 * @param autosaveOnChanges Mosquitto's {@code autosave_on_changes}: {@code autosave} counts changes, not seconds
 * @param productEnv extra variables for every product process, e.g. {@code MQTT_OUTPUT_QOS=1}
 * @param broker the external broker: Debian's Mosquitto, or ActiveMQ Artemis with its journal synced
 */
record FaultConfig(
        Path productJar,
        Path mosquitto,
        FaultBroker.Kind broker,
        List<FaultKind> scenarios,
        int publishers,
        int messages,
        int rate,
        int burst,
        Duration keepAlive,
        Duration warmup,
        Duration faultAfter,
        Duration down,
        Optional<String> postgres,
        String postgresUser,
        String postgresPassword,
        int autosave,
        boolean autosaveOnChanges,
        Map<String, String> productEnv,
        List<String> productJvmArgs,
        Path markdown,
        Path json,
        Path workDir) {
    static final String USAGE = """
            Usage: java -jar bench/target/ai-chatroom-bench.jar --only=faults [--name=value ...]
              --scenarios=%s
              --broker=mosquitto      or artemis: ActiveMQ Artemis syncing its journal before it acknowledges (its
                                      results go to a faults-artemis block of their own)
              --publishers=4          publishers (each its own connection and client_id; odd ones send no message_id)
              --messages=20000        acknowledged inputs wanted per scenario, all publishers together
              --rate=500              inputs/s offered by all publishers together (all but the burst)
              --burst=655350          inputs of the burst scenario (10 x the service's Receive Maximum of 65,535)
              --keep-alive=5          the service's MQTT_KEEP_ALIVE, s; the partition lasts 3 of them
              --warmup=10             s of discarded load at --rate after each start (a cold JVM lags)
              --fault-after=10        s of load before the fault
              --down=2                s a killed or stopped process stays down; never: an instance stays down
                                      (the live one takes it over after CHAT_INSTANCE_TIMEOUT)
              --postgres=$FAULTS_POSTGRES_URL  JDBC URL of a PostgreSQL database the bench WIPES (two-instance
                                      scenarios; skipped without one); --postgres-user=postgres --postgres-password=
              --autosave=0            Mosquitto autosave_interval in s; 0 keeps its default (1800)
              --autosave-on-changes=false  true: autosave_on_changes, --autosave counts changes instead of seconds
              --product-env=          NAME=value settings for every product process, space-separated
              --product-jvm-args=     JVM options for the product, space-separated
              --jar=server/target/ai-chatroom.jar  --mosquitto=/usr/sbin/mosquitto
              --out=docs/benchmarks.md  (only the block between the faults markers is replaced)
              --json=docs/benchmarks-faults.json  (docs/benchmarks-faults-artemis.json with --broker=artemis)
              --work=bench/target/faults-work
            """.formatted(String.join(
            ",", FaultKind.all().stream().map(FaultKind::label).toList()));

    private static final Set<String> KEYS = Set.of(
            "only",
            "scenarios",
            "broker",
            "publishers",
            "messages",
            "rate",
            "burst",
            "keep-alive",
            "warmup",
            "fault-after",
            "down",
            "postgres",
            "postgres-user",
            "postgres-password",
            "autosave",
            "autosave-on-changes",
            "product-env",
            "product-jvm-args",
            "jar",
            "mosquitto",
            "out",
            "json",
            "work");

    /** {@code --down=never}: a killed or stopped instance is not started again. */
    static final Duration NEVER = Duration.ofSeconds(-1);

    FaultConfig {
        scenarios = List.copyOf(scenarios);
        productJvmArgs = List.copyOf(productJvmArgs);
        productEnv = Map.copyOf(productEnv);
        if (autosaveOnChanges && autosave < 1) {
            throw new BenchException("--autosave-on-changes needs --autosave, the number of changes between saves");
        }
        if (publishers < 1 || messages < publishers || rate < publishers || burst < publishers) {
            throw new BenchException("--publishers must be at least 1, and --messages, --rate and --burst at least"
                    + " one per publisher");
        }
        if (keepAlive.toSeconds() < 1
                || warmup.isNegative()
                || faultAfter.isNegative()
                || (down.isNegative() && !down.equals(NEVER))) {
            throw new BenchException("--keep-alive must be at least 1 s, --fault-after and --down not negative");
        }
    }

    /** Whether a killed or stopped process is started again after {@link #down()}. */
    boolean restarts() {
        return !down.equals(NEVER);
    }

    /** True when the arguments ask for the fault part. */
    static boolean wanted(String[] args) {
        return Arrays.asList(args).contains("--only=faults");
    }

    static FaultConfig parse(String[] args, Path cwd, Map<String, String> environment) {
        Map<String, String> o = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 0 || !KEYS.contains(arg.substring(2, eq))) {
                throw new BenchException("unknown argument '" + arg + "'\n" + USAGE);
            }
            o.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        if (!o.getOrDefault("only", "").equals("faults")) {
            throw new BenchException("the fault part runs alone: --only=faults");
        }
        Path root = BenchConfig.root(cwd);
        Optional<String> postgres = Optional.ofNullable(
                        o.getOrDefault("postgres", environment.get("FAULTS_POSTGRES_URL")))
                .map(String::strip)
                .filter(s -> !s.isEmpty());
        FaultBroker.Kind broker = FaultBroker.Kind.of(o.getOrDefault("broker", "mosquitto"));
        return new FaultConfig(
                root.resolve(o.getOrDefault("jar", "server/target/ai-chatroom.jar")),
                Path.of(o.getOrDefault("mosquitto", "/usr/sbin/mosquitto")),
                broker,
                Arrays.stream(o.getOrDefault("scenarios", String.join(",", labels()))
                                .split(","))
                        .map(String::strip)
                        .filter(s -> !s.isEmpty())
                        .map(FaultKind::of)
                        .toList(),
                integer(o, "publishers", 4),
                integer(o, "messages", 20_000),
                integer(o, "rate", 500),
                integer(o, "burst", 655_350),
                Duration.ofSeconds(integer(o, "keep-alive", 5)),
                Duration.ofSeconds(integer(o, "warmup", 10)),
                Duration.ofSeconds(integer(o, "fault-after", 10)),
                o.getOrDefault("down", "").strip().equals("never") ? NEVER : Duration.ofSeconds(integer(o, "down", 2)),
                postgres,
                o.getOrDefault("postgres-user", environment.getOrDefault("FAULTS_POSTGRES_USER", "postgres")),
                o.getOrDefault("postgres-password", environment.getOrDefault("FAULTS_POSTGRES_PASSWORD", "")),
                integer(o, "autosave", 0),
                Boolean.parseBoolean(
                        o.getOrDefault("autosave-on-changes", "false").strip()),
                productEnv(o.getOrDefault("product-env", "")),
                Arrays.stream(o.getOrDefault("product-jvm-args", "").strip().split("\\s+"))
                        .filter(w -> !w.isEmpty())
                        .toList(),
                root.resolve(o.getOrDefault("out", "docs/benchmarks.md")),
                root.resolve(o.getOrDefault(
                        "json",
                        broker == FaultBroker.Kind.ARTEMIS
                                ? "docs/benchmarks-faults-artemis.json"
                                : "docs/benchmarks-faults.json")),
                root.resolve(o.getOrDefault("work", "bench/target/faults-work")));
    }

    /** {@code NAME=value NAME=value}: each word one setting. */
    static Map<String, String> productEnv(String words) {
        Map<String, String> env = new HashMap<>();
        for (String w : words.strip().split("\\s+")) {
            if (w.isEmpty()) {
                continue;
            }
            int eq = w.indexOf('=');
            if (eq < 1) {
                throw new BenchException("--product-env: '" + w + "' is not NAME=value");
            }
            env.put(w.substring(0, eq), w.substring(eq + 1));
        }
        return env;
    }

    private static List<String> labels() {
        return FaultKind.all().stream().map(FaultKind::label).toList();
    }

    private static int integer(Map<String, String> o, String key, int fallback) {
        if (!o.containsKey(key)) {
            return fallback;
        }
        try {
            return Integer.parseInt(o.get(key).strip());
        } catch (NumberFormatException e) {
            throw new BenchException("--" + key + "=" + o.get(key) + " is not a whole number");
        }
    }
}
