package dev.aichatroom.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FaultConfigTest {
    private static FaultConfig parse(Map<String, String> env, String... args) {
        return FaultConfig.parse(args, Path.of("."), env);
    }

    @Test
    void the_defaults_are_every_scenario_with_twenty_thousand_inputs_and_a_burst_of_ten_receive_maximums() {
        FaultConfig c = parse(Map.of(), "--only=faults");
        assertThat(c.scenarios()).containsExactlyElementsOf(FaultKind.all());
        assertThat(c.messages()).isEqualTo(20_000);
        assertThat(c.burst()).isEqualTo(10 * 65_535);
        assertThat(c.keepAlive()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.postgres()).isEmpty();
    }

    @Test
    void postgres_comes_from_the_option_or_the_environment() {
        assertThat(parse(Map.of("FAULTS_POSTGRES_URL", "jdbc:postgresql://h/db"), "--only=faults")
                        .postgres())
                .contains("jdbc:postgresql://h/db");
        assertThat(parse(Map.of(), "--only=faults", "--postgres=jdbc:postgresql://x/y")
                        .postgres())
                .contains("jdbc:postgresql://x/y");
    }

    @Test
    void a_killed_instance_is_started_again_after_down_unless_it_is_never() {
        assertThat(parse(Map.of(), "--only=faults").restarts()).isTrue();
        assertThat(parse(Map.of(), "--only=faults", "--down=12").down()).isEqualTo(Duration.ofSeconds(12));
        assertThat(parse(Map.of(), "--only=faults", "--down=never").restarts()).isFalse();
        assertThatThrownBy(() -> parse(Map.of(), "--only=faults", "--down=-3")).isInstanceOf(BenchException.class);
    }

    @Test
    void scenarios_are_chosen_by_label_and_unknown_ones_are_refused() {
        assertThat(parse(Map.of(), "--only=faults", "--scenarios=partition,steady")
                        .scenarios())
                .containsExactly(FaultKind.PARTITION, FaultKind.STEADY);
        assertThatThrownBy(() -> parse(Map.of(), "--only=faults", "--scenarios=meteor"))
                .isInstanceOf(BenchException.class)
                .hasMessageContaining("meteor");
    }

    @Test
    void only_the_fault_part_is_accepted_and_unknown_options_are_refused() {
        assertThat(FaultConfig.wanted(new String[] {"--only=faults"})).isTrue();
        assertThat(FaultConfig.wanted(new String[] {"--only=load"})).isFalse();
        assertThatThrownBy(() -> parse(Map.of(), "--only=faults", "--window=3")).isInstanceOf(BenchException.class);
    }

    @Test
    void the_broker_is_mosquitto_unless_artemis_is_asked_for() {
        assertThat(parse(Map.of(), "--only=faults").broker()).isEqualTo(FaultBroker.Kind.MOSQUITTO);
        assertThat(parse(Map.of(), "--only=faults", "--broker=artemis").broker())
                .isEqualTo(FaultBroker.Kind.ARTEMIS);
        assertThatThrownBy(() -> parse(Map.of(), "--only=faults", "--broker=hivemq"))
                .isInstanceOf(BenchException.class)
                .hasMessageContaining("hivemq");
    }
}
