package dev.aichatroom.bench;

import java.util.List;

/** Everything one bench run measured, as written to JSON and rendered to Markdown. */
public record Results(
        Environment environment,
        Settings settings,
        List<ProductSample> products,
        List<RunResult> runs,
        List<RunResult> prewarms,
        List<String> problems) {
    public Results {
        products = List.copyOf(products);
        runs = List.copyOf(runs);
        prewarms = List.copyOf(prewarms);
        problems = List.copyOf(problems);
    }

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
            String command) {
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
                    command);
        }
    }

    /**
     * One start of the product: from process start to {@code /health} 200, its resident memory then, after the load
     * runs (0 when it ran none) and at its peak, and how long SIGTERM took to stop it.
     */
    public record ProductSample(
            String broker,
            boolean underLoad,
            double startupMillis,
            long readyRssKib,
            long afterLoadRssKib,
            long peakRssKib,
            double stopMillis) {}
}
