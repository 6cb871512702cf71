package dev.aichatroom.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class BenchmarkTest {
    @Test
    void each_broker_profiled_gets_a_flame_graph_of_its_own() {
        Path flame = Path.of("/repo/docs/benchmarks-flame.html");

        assertThat(Benchmark.flameGraph(flame, BenchConfig.EMBEDDED)).isEqualTo(flame);
        assertThat(Benchmark.flameGraph(flame, BenchConfig.MOSQUITTO))
                .isEqualTo(Path.of("/repo/docs/benchmarks-flame-mosquitto.html"));
        assertThat(Benchmark.flameGraph(Path.of("flame"), BenchConfig.MOSQUITTO))
                .isEqualTo(Path.of("flame-mosquitto"));
    }
}
