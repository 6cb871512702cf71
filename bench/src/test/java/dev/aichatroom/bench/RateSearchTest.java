package dev.aichatroom.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aichatroom.bench.Scenario.Mode;
import dev.aichatroom.bench.Scenario.Route;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RateSearchTest {
    private static RunResult result(double delivered, long p99, long lost) {
        return new RunResult(
                new Scenario("embedded", Route.CHAT, 1, Mode.FIXED_RATE),
                4,
                2,
                3,
                1000,
                delivered,
                delivered,
                new LatencySummary(1000, p99 / 4, p99 / 2, p99, p99, p99, p99 / 4),
                lost,
                0,
                0,
                0,
                0,
                false);
    }

    /** A path that carries up to {@code capacity} msg/s with 1 ms p99 and falls behind above it. */
    private static RateSearch.Path capacity(int capacity, List<Integer> tried) {
        return rate -> {
            tried.add(rate);
            boolean ok = rate <= capacity;
            RunResult r = ok ? result(rate, 1_000_000, 0) : result(capacity, 900_000_000, 0);
            return new RateSearch.Step(rate, r, RateSearch.keptUp(r, rate, 100_000_000));
        };
    }

    @Test
    void finds_the_capacity_within_the_resolution_from_below() throws InterruptedException {
        List<Integer> tried = new ArrayList<>();
        RateSearch.Outcome o = RateSearch.search(1_000, capacity(7_300, tried));

        assertThat(o.sustained()).isPresent();
        int found = o.sustained().get().rate();
        assertThat(found).isLessThanOrEqualTo(7_300).isGreaterThan((int) (7_300 / RateSearch.RESOLUTION));
        assertThat(tried).hasSizeLessThanOrEqualTo(RateSearch.MAX_STEPS).startsWith(1_000, 1_500, 2_250);
    }

    @Test
    void finds_the_capacity_from_above() throws InterruptedException {
        List<Integer> tried = new ArrayList<>();
        RateSearch.Outcome o = RateSearch.search(20_000, capacity(9_000, tried));

        assertThat(o.sustained()).isPresent();
        assertThat(o.sustained().get().rate()).isLessThanOrEqualTo(9_000).isGreaterThan((int) (9_000 / 1.1));
        assertThat(tried.getFirst()).isEqualTo(20_000);
    }

    @Test
    void a_path_that_never_keeps_up_has_no_sustained_rate_and_stops_after_the_step_limit() throws InterruptedException {
        List<Integer> tried = new ArrayList<>();
        RateSearch.Outcome o = RateSearch.search(1_000, capacity(0, tried));

        assertThat(o.sustained()).isEmpty();
        assertThat(tried).hasSizeLessThanOrEqualTo(RateSearch.MAX_STEPS);
    }

    @Test
    void a_run_that_lost_a_message_or_fell_behind_or_queued_did_not_keep_up() {
        long bound = 100_000_000;
        assertThat(RateSearch.keptUp(result(1_000, 1_000_000, 0), 1_000, bound)).isTrue();
        assertThat(RateSearch.keptUp(result(1_000, 1_000_000, 1), 1_000, bound)).isFalse();
        assertThat(RateSearch.keptUp(result(900, 1_000_000, 0), 1_000, bound)).isFalse();
        assertThat(RateSearch.keptUp(result(1_000, 200_000_000, 0), 1_000, bound))
                .isFalse();
    }
}
