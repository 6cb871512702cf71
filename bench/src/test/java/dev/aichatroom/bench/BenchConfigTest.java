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
        assertThat(c.connections()).isEqualTo(10_000);
        assertThat(c.connectInFlight()).isEqualTo(100);
        assertThat(c.parts()).containsExactly("startup", "load", "curve", "flame", "connections");
        assertThat(c.runs(BenchConfig.CONNECTIONS)).isTrue();
        assertThat(c.rate()).isEqualTo(1000);
        assertThat(c.curveRates()).containsExactly(100, 1000, 5000, 10000);
        assertThat(c.curveRooms()).containsExactly(1, 10, 100);
        assertThat(c.curveQos()).isEqualTo(1);
        assertThat(c.flame()).isEqualTo(Path.of("/nowhere/docs/benchmarks-flame.html"));
    }

    @Test
    void reads_the_curve_and_refuses_more_rooms_than_the_service_counts() {
        BenchConfig c = BenchConfig.parse(
                new String[] {"--only=curve", "--curve-rates=200,400", "--curve-rooms=1,5", "--curve-qos=0"},
                Path.of("."));

        assertThat(c.curveRates()).containsExactly(200, 400);
        assertThat(c.curveRooms()).containsExactly(1, 5);
        assertThat(c.curveQos()).isZero();
        assertThat(c.loadsProduct()).isTrue();
        assertThat(c.runs(BenchConfig.LOAD)).isFalse();
        assertThat(c.withRate(300).rate()).isEqualTo(300);
        assertThat(BenchConfig.parse(new String[] {"--only=connections"}, Path.of("."))
                        .loadsProduct())
                .isFalse();
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> BenchConfig.parse(new String[] {"--curve-rooms=101"}, Path.of(".")))
                .isInstanceOf(BenchException.class);
    }

    @Test
    void runs_only_the_parts_asked_for() {
        BenchConfig c = BenchConfig.parse(
                new String[] {"--only=connections", "--connections=300", "--connect-in-flight=50"}, Path.of("."));

        assertThat(c.runs(BenchConfig.CONNECTIONS)).isTrue();
        assertThat(c.runs(BenchConfig.LOAD)).isFalse();
        assertThat(c.runs(BenchConfig.STARTUP)).isFalse();
        assertThat(c.connections()).isEqualTo(300);
        assertThat(c.connectInFlight()).isEqualTo(50);
        assertThat(BenchConfig.parse(new String[] {"--connections=0"}, Path.of("."))
                        .runs(BenchConfig.CONNECTIONS))
                .isFalse();
    }

    @Test
    void refuses_unknown_parts_and_bad_connection_counts() {
        assertThatThrownBy(() -> BenchConfig.parse(new String[] {"--only=connection"}, Path.of(".")))
                .isInstanceOf(BenchException.class)
                .hasMessageContaining("'connection'");
        assertThatThrownBy(() -> BenchConfig.parse(new String[] {"--only="}, Path.of(".")))
                .hasMessageContaining("--only");
        assertThatThrownBy(() -> BenchConfig.parse(new String[] {"--connections=-1"}, Path.of(".")))
                .hasMessageContaining("--connections");
        assertThatThrownBy(() -> BenchConfig.parse(new String[] {"--connect-in-flight=0"}, Path.of(".")))
                .hasMessageContaining("--connect-in-flight");
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
                .hasMessageContaining("hivemq")
                .hasMessageContaining("embedded-tls");
    }

    @Test
    void measures_tls_on_the_embedded_broker_when_asked() {
        assertThat(BenchConfig.parse(new String[] {"--brokers=embedded,embedded-tls"}, Path.of("."))
                        .brokers())
                .containsExactly("embedded", "embedded-tls");
    }
}
