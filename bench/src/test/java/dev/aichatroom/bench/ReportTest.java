package dev.aichatroom.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aichatroom.bench.Scenario.Mode;
import dev.aichatroom.bench.Scenario.Route;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {
    private static RunResult run(Route route, Mode mode, double delivered, long p50) {
        return new RunResult(
                new Scenario("embedded", route, 1, mode),
                4,
                2,
                5,
                1000,
                delivered,
                delivered,
                new LatencySummary(1000, p50, p50, p50 * 2, p50 * 3, p50 * 4, p50),
                0,
                0,
                0,
                0,
                0,
                false);
    }

    static Results results() {
        BenchConfig config = BenchConfig.parse(new String[] {"--brokers=embedded", "--qos=1"}, Path.of("/repo"));
        return new Results(
                new Results.Environment("2026-01-01T00:00Z", 2, "0.1", "0.2", "JDK", "Linux", "", "60"),
                Results.Settings.of(config, ""),
                List.of(new Results.ProductSample(
                        "embedded", true, 4000, 200 * 1024, 400 * 1024, 410 * 1024, 500, 6100)),
                List.of(
                        run(Route.CHAT, Mode.FIXED_RATE, 500, 6_600_000),
                        run(Route.CHAT, Mode.MAX, 4_000, 20_000_000),
                        run(Route.RAW, Mode.FIXED_RATE, 500, 600_000),
                        run(Route.RAW, Mode.MAX, 16_000, 2_000_000)),
                List.of(),
                List.of(
                        Results.ConnectionSample.of(
                                "embedded",
                                "TCP",
                                "product",
                                5_000,
                                5_000,
                                100,
                                2_500_000_000L,
                                250 * 1024,
                                350 * 1024,
                                340 * 1024,
                                latencies(1_500_000, 1_900_000),
                                latencies(2_500_000, 4_100_000),
                                1_000_000_000L),
                        Results.ConnectionSample.of(
                                "mosquitto",
                                "WebSocket",
                                "mosquitto",
                                5_000,
                                4_000,
                                100,
                                2_000_000_000L,
                                10 * 1024,
                                30 * 1024,
                                12 * 1024,
                                latencies(900_000, 1_000_000),
                                LatencySummary.empty(),
                                500_000_000L)),
                List.of("embedded chat QoS 1 max throughput: lost 3"));
    }

    @Test
    void compares_the_chat_path_with_the_raw_broker_in_the_summary() {
        String md = Report.markdown(results());

        assertThat(md).contains("| embedded | 1 | 4,000 | 16,000 | 25 % | 6.60 / 13.2 | 0.60 / 1.20 |");
        assertThat(md).contains("| embedded | yes | 4000 | 6100 | 200 | 400 | 410 | 500 |");
        assertThat(md).contains("- embedded chat QoS 1 max throughput: lost 3");
    }

    @Test
    void shows_the_sustained_rates_and_their_ratio_when_the_search_ran() {
        Results r = results();
        List<RunResult> runs = new java.util.ArrayList<>(r.runs());
        runs.add(run(Route.CHAT, Mode.SUSTAINED, 6_000, 3_000_000));
        runs.add(run(Route.RAW, Mode.SUSTAINED, 12_000, 900_000));
        Results searched = new Results(
                r.environment(), r.settings(), r.products(), runs, r.prewarms(), r.connections(), r.problems());

        String md = Report.markdown(searched);

        assertThat(md).contains("chat sustained msg/s | raw sustained msg/s | chat ÷ raw");
        assertThat(md)
                .contains(
                        "| embedded | 1 | 4,000 | 16,000 | 25 % | 6,000 | 12,000 | 50 % | 6.60 / 13.2 | 0.60 / 1.20 |");
        assertThat(md).contains("p99 under 100 ms");
    }

    @Test
    void shows_connects_per_second_and_memory_per_idle_connection() {
        String md = Report.markdown(results());

        assertThat(md).contains("## Connections");
        assertThat(md)
                .contains(
                        "| embedded | TCP | 5,000 | 2,000 | product | 250 | 350 | 20.5 | 1.50 / 1.90 | 2.50 / 4.10 | 1000 | 340 |");
        assertThat(md)
                .contains(
                        "| mosquitto | WebSocket | 4,000 of 5,000 | 2,000 | mosquitto | 10 | 30 | 5.1 | 0.90 / 1.00 | lost |"
                                + " 500 | 12 |");
        assertThat(md).contains("- connections: 10,000 idle clients per broker and transport, at most 100 connects");
    }

    @Test
    void leaves_out_the_tables_of_parts_that_did_not_run() {
        Results r = results();
        Results.Settings only = Results.Settings.of(
                BenchConfig.parse(new String[] {"--only=connections"}, Path.of("/repo")), "--only=connections");
        Results connectionsOnly =
                new Results(r.environment(), only, List.of(), List.of(), List.of(), r.connections(), List.of());
        Results noConnections = new Results(
                r.environment(), r.settings(), r.products(), r.runs(), r.prewarms(), List.of(), r.problems());

        assertThat(Report.markdown(connectionsOnly))
                .contains("## Connections")
                .doesNotContain("## Chat path against the raw broker")
                .doesNotContain("## Every run")
                .doesNotContain("- 4 publishers")
                .contains("- parts run: connections");
        assertThat(Report.markdown(noConnections))
                .contains("## Chat path against the raw broker")
                .doesNotContain("## Connections");
    }

    @Test
    void renders_json_written_before_the_connections_part_existed(@TempDir Path dir) throws IOException {
        Path md = dir.resolve("b.md");
        Path json = dir.resolve("b.json");
        Report.write(results(), md, json);
        String old = Files.readString(json)
                .replaceAll("(?s),\\s*\"connections\" : \\[.*?\\]\\s*(?=,\\s*\"problems\")", "")
                .replaceAll(
                        "(?s)\"connections\" : 10000,\\s*\"connectInFlight\" : 100,\\s*\"parts\" : \\[[^]]*\\],", "");
        assertThat(old).doesNotContain("\"connections\"").doesNotContain("\"parts\"");
        Files.writeString(json, old);
        Files.delete(md);

        Report.render(json, md);

        assertThat(Files.readString(md))
                .contains("## Chat path against the raw broker")
                .doesNotContain("## Connections");
    }

    @Test
    void shows_the_curve_and_the_flame_graph_in_blocks_of_their_own(@TempDir Path dir) throws IOException {
        Results r = results();
        RunResult point = run(Route.CHAT, Mode.FIXED_RATE, 98, 1_500_000);
        Results withCurve = new Results(
                r.environment(),
                r.settings(),
                r.products(),
                r.runs(),
                r.prewarms(),
                r.connections(),
                r.problems(),
                List.of(
                        new Results.CurvePoint("rate", 1, 100, point),
                        new Results.CurvePoint("rooms", 10, 1000, point)),
                List.of(new Results.FlameSummary(
                        "embedded",
                        1,
                        10,
                        4200,
                        "benchmarks-flame.html",
                        12_345,
                        List.of(new Results.Share("broker threads (Artemis)", 41.26)),
                        List.of(new Results.Share("SQLite (store)", 7.04)))));

        String md = Report.markdown(withCurve);

        assertThat(md)
                .contains("<!-- curve:begin -->", "<!-- flame:begin -->")
                .contains("| embedded | 1 | 1 | 100 | 98 | 1.50 | 1.50 | 3.00 | 6.00 | 0 | 0 |")
                .contains("| embedded | 1 | 10 | 1,000 | 98 |")
                .contains("## Where the chat path's CPU time goes: embedded broker")
                .contains("[Flame graph](benchmarks-flame.html)", "12,345 samples", "4,200 msg/s")
                .contains("| broker threads (Artemis) | 41.3 % |", "| SQLite (store) | 7.0 % |");
        Path md2 = dir.resolve("b.md");
        Path json = dir.resolve("b.json");
        Report.write(withCurve, md2, json);
        String first = Files.readString(md2);
        Files.delete(md2);
        Report.render(json, md2);
        assertThat(Files.readString(md2)).isEqualTo(first);
    }

    @Test
    void renders_the_same_markdown_again_from_the_json(@TempDir Path dir) throws IOException {
        Path md = dir.resolve("b.md");
        Path json = dir.resolve("b.json");
        Report.write(results(), md, json);
        String first = Files.readString(md);
        Files.delete(md);

        Report.render(json, md);

        assertThat(Files.readString(md)).isEqualTo(first);
    }

    /** 100 samples whose p50 and p99 are the given values. */
    private static LatencySummary latencies(long p50, long p99) {
        long[] values = new long[100];
        for (int i = 0; i < values.length; i++) {
            values[i] = i < 50 ? p50 : i < 99 ? p99 : p99 + 1;
        }
        return LatencySummary.of(values, values.length);
    }
}
