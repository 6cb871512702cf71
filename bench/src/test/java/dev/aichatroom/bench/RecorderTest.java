package dev.aichatroom.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecorderTest {
    private static byte[] message(long sent, int run, int pub, int seq) {
        return ("{\"content\":\"" + new Marker(sent, run, pub, seq).text() + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void counts_duplicates_foreign_messages_and_arrivals_in_the_window() {
        List<String> told = new ArrayList<>();
        Recorder r = new Recorder(7, 2, (p, s) -> told.add(p + ":" + s));

        r.record(message(100, 7, 0, 0), 150); // warm-up: not in the latency set
        r.record(message(200, 7, 0, 1), 260);
        r.record(message(200, 7, 0, 1), 270); // duplicate
        r.record(message(300, 7, 1, 0), 1_300); // arrives after the window
        r.record(message(300, 6, 1, 0), 310); // an earlier run's
        r.record("{\"content\":\"hi\"}".getBytes(StandardCharsets.UTF_8), 320);

        Recorder.Analysis a = r.analyse(new int[] {1, 0}, new int[] {2, 1}, 200, 1_000);

        assertThat(a.unique()).isEqualTo(3);
        assertThat(a.duplicates()).isEqualTo(1);
        assertThat(a.foreign()).isEqualTo(2);
        assertThat(a.arrivedInWindow()).isEqualTo(1);
        assertThat(a.latencyCount()).isEqualTo(2);
        assertThat(a.latencies()).startsWith(60, 1_000);
        assertThat(told).containsExactly("0:0", "0:1", "0:1", "1:0");
        assertThat(r.received()).isEqualTo(4);
    }
}
