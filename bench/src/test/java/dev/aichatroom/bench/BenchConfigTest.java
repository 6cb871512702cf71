package dev.aichatroom.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class BenchConfigTest {
    @Test
    void reads_options_and_keeps_defaults_for_the_rest() {
        BenchConfig c = BenchConfig.parse(
                new String[] {
                    "--publishers=8", "--duration=1.5", "--qos=1", "--product-jvm-args=-Xmx256m  -Xlog:gc,safepoint"
                },
                Path.of("/nowhere"));

        assertThat(c.publishers()).isEqualTo(8);
        assertThat(c.subscribers()).isEqualTo(2);
        assertThat(c.measure()).isEqualTo(Duration.ofMillis(1500));
        assertThat(c.qos()).containsExactly(1);
        assertThat(c.brokers()).containsExactly("embedded", "mosquitto");
        assertThat(c.productJvmArgs()).containsExactly("-Xmx256m", "-Xlog:gc,safepoint");
        assertThat(c.productJar()).isEqualTo(Path.of("/nowhere/server/target/ai-chatroom.jar"));
    }

    @Test
    void refuses_unknown_options_and_bad_values() {
        assertThatThrownBy(() -> BenchConfig.parse(new String[] {"--publisher=3"}, Path.of(".")))
                .isInstanceOf(BenchException.class)
                .hasMessageContaining("--publisher=3");
        assertThatThrownBy(() -> BenchConfig.parse(new String[] {"--qos=2"}, Path.of(".")))
                .hasMessageContaining("--qos: 2")
                .isInstanceOf(BenchException.class);
        assertThatThrownBy(() -> BenchConfig.parse(new String[] {"--brokers=hivemq"}, Path.of(".")))
                .hasMessageContaining("hivemq");
    }
}
