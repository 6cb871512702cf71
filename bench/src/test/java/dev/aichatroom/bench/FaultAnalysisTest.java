package dev.aichatroom.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class FaultAnalysisTest {
    private static final long MS = 1_000_000L;

    private static BitSet acked(int... seqs) {
        BitSet b = new BitSet();
        for (int s : seqs) {
            b.set(s);
        }
        return b;
    }

    /** Arrivals as (publisher, seq, sent ms, arrived ms, output id). */
    private static FaultAnalysis.Arrivals arrivals(Object[]... rows) {
        int n = rows.length;
        int[] p = new int[n];
        int[] s = new int[n];
        long[] sent = new long[n];
        long[] arrived = new long[n];
        String[] ids = new String[n];
        for (int i = 0; i < n; i++) {
            p[i] = (int) rows[i][0];
            s[i] = (int) rows[i][1];
            sent[i] = (long) (int) rows[i][2] * MS;
            arrived[i] = (long) (int) rows[i][3] * MS;
            ids[i] = (String) rows[i][4];
        }
        return new FaultAnalysis.Arrivals(p, s, sent, arrived, ids);
    }

    @Test
    void everything_once_in_order_is_nothing_lost_duplicated_or_reordered() {
        FaultAnalysis.Counts c = FaultAnalysis.analyse(
                new BitSet[] {acked(0, 1), acked(0)},
                arrivals(
                        new Object[] {0, 0, 0, 5, "a"}, new Object[] {1, 0, 1, 6, "b"}, new Object[] {0, 1, 2, 7, "c"}),
                OptionalLong.empty());
        assertThat(c.acknowledged()).isEqualTo(3);
        assertThat(c.lost()).isZero();
        assertThat(c.duplicates()).isZero();
        assertThat(c.reordered()).isZero();
        assertThat(c.delayed()).isZero();
        assertThat(c.recoveryNanos()).isEqualTo(-1);
        assertThat(c.latency().max()).isEqualTo(5 * MS);
    }

    @Test
    void an_acknowledged_input_that_never_came_out_is_lost_and_named() {
        FaultAnalysis.Counts c = FaultAnalysis.analyse(
                new BitSet[] {acked(0, 1, 2)},
                arrivals(new Object[] {0, 0, 0, 1, "a"}, new Object[] {0, 2, 2, 3, "c"}),
                OptionalLong.empty());
        assertThat(c.lost()).isEqualTo(1);
        assertThat(c.lostKeys()).containsExactly(FaultAnalysis.key(0, 1));
    }

    @Test
    void a_second_output_counts_as_duplicate_and_same_id_only_when_the_ids_match() {
        FaultAnalysis.Counts c = FaultAnalysis.analyse(
                new BitSet[] {acked(0), acked(0)},
                arrivals(
                        new Object[] {0, 0, 0, 1, "a"},
                        new Object[] {0, 0, 0, 2, "a"}, // republished: same message
                        new Object[] {1, 0, 0, 1, "b"},
                        new Object[] {1, 0, 0, 3, "x"}), // taken twice: another message
                OptionalLong.empty());
        assertThat(c.duplicates()).isEqualTo(2);
        assertThat(c.duplicatesSameId()).isEqualTo(1);
        assertThat(c.duplicatesPerPublisher()).containsExactly(1, 1);
        assertThat(c.lost()).isZero();
    }

    @Test
    void an_input_after_a_later_one_of_its_publisher_is_reordered_but_other_publishers_do_not_count() {
        FaultAnalysis.Counts c = FaultAnalysis.analyse(
                new BitSet[] {acked(0, 1, 2), acked(0)},
                arrivals(
                        new Object[] {0, 1, 1, 2, "b"},
                        new Object[] {1, 0, 0, 2, "z"},
                        new Object[] {0, 0, 0, 3, "a"},
                        new Object[] {0, 2, 2, 4, "c"}),
                OptionalLong.empty());
        assertThat(c.reordered()).isEqualTo(1);
    }

    @Test
    void recovery_runs_from_the_fault_to_the_last_input_delayed_more_than_a_second() {
        FaultAnalysis.Counts c = FaultAnalysis.analyse(
                new BitSet[] {acked(0, 1, 2, 3)},
                arrivals(
                        new Object[] {0, 0, 0, 10, "a"},
                        new Object[] {0, 1, 1_000, 4_000, "b"}, // held by the fault
                        new Object[] {0, 2, 1_500, 4_100, "c"},
                        new Object[] {0, 3, 5_000, 5_002, "d"}), // normal again
                OptionalLong.of(900 * MS));
        assertThat(c.delayed()).isEqualTo(2);
        assertThat(c.recoveryNanos()).isEqualTo((4_100 - 900) * MS);
    }

    @Test
    void an_output_of_an_input_whose_publish_failed_is_counted_apart_and_not_lost() {
        FaultAnalysis.Counts c = FaultAnalysis.analyse(
                new BitSet[] {acked(0)},
                arrivals(new Object[] {0, 0, 0, 1, "a"}, new Object[] {0, 1, 1, 2, "b"}),
                OptionalLong.of(0));
        assertThat(c.unacknowledgedArrived()).isEqualTo(1);
        assertThat(c.acknowledged()).isEqualTo(1);
        assertThat(c.lost()).isZero();
        assertThat(c.recoveryNanos()).isZero();
    }
}
