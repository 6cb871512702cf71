package dev.aichatroom.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class LatencySummaryTest {
    @Test
    void takes_nearest_rank_percentiles_of_one_to_a_hundred() {
        long[] values = LongStream.rangeClosed(1, 100).map(i -> 101 - i).toArray();

        LatencySummary s = LatencySummary.of(values, values.length);

        assertThat(s.count()).isEqualTo(100);
        assertThat(s.p50()).isEqualTo(50);
        assertThat(s.p90()).isEqualTo(90);
        assertThat(s.p99()).isEqualTo(99);
        assertThat(s.p999()).isEqualTo(100);
        assertThat(s.max()).isEqualTo(100);
        assertThat(s.mean()).isEqualTo(50.5);
    }

    @Test
    void rounds_the_rank_up_so_a_percentile_is_never_below_its_share() {
        long[] values = {10, 20, 30};

        assertThat(LatencySummary.percentile(values, 3, 50)).isEqualTo(20);
        assertThat(LatencySummary.percentile(values, 3, 34)).isEqualTo(20);
        assertThat(LatencySummary.percentile(values, 3, 33)).isEqualTo(10);
        assertThat(LatencySummary.percentile(values, 3, 99)).isEqualTo(30);
        assertThat(LatencySummary.percentile(values, 3, 100)).isEqualTo(30);
    }

    @Test
    void a_single_sample_is_every_percentile() {
        LatencySummary s = LatencySummary.of(new long[] {7}, 1);

        assertThat(s.p50()).isEqualTo(7);
        assertThat(s.p99()).isEqualTo(7);
        assertThat(s.max()).isEqualTo(7);
    }

    @Test
    void looks_only_at_the_first_n_values() {
        long[] values = {5, 1, 3, 1_000_000, 1_000_000};

        LatencySummary s = LatencySummary.of(values, 3);

        assertThat(s.max()).isEqualTo(5);
        assertThat(s.p50()).isEqualTo(3);
    }

    @Test
    void no_samples_give_an_empty_summary() {
        assertThat(LatencySummary.of(new long[4], 0)).isEqualTo(LatencySummary.empty());
    }

    @Test
    void refuses_a_percentile_outside_zero_to_a_hundred() {
        assertThatThrownBy(() -> LatencySummary.percentile(new long[] {1}, 1, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LatencySummary.percentile(new long[] {1}, 1, 100.5))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LatencySummary.of(new long[2], 3)).isInstanceOf(IllegalArgumentException.class);
    }
}
