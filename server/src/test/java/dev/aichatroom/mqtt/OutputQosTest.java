package dev.aichatroom.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class OutputQosTest {
    @Test
    void mosquitto_before_2_0_13_gets_qos_1() {
        assertThat(OutputQos.choose(Optional.of("mosquitto version 2.0.11")).qos())
                .isEqualTo(1);
        assertThat(OutputQos.choose(Optional.of("mosquitto version 2.0.12\n")).qos())
                .isEqualTo(1);
        assertThat(OutputQos.choose(Optional.of("mosquitto version 1.6.15")).qos())
                .isEqualTo(1);
    }

    @Test
    void mosquitto_2_0_13_and_later_get_qos_2() {
        assertThat(OutputQos.choose(Optional.of("mosquitto version 2.0.13")).qos())
                .isEqualTo(2);
        assertThat(OutputQos.choose(Optional.of("mosquitto version 2.0.18")).qos())
                .isEqualTo(2);
        assertThat(OutputQos.choose(Optional.of("mosquitto version 2.1.0")).qos())
                .isEqualTo(2);
    }

    @Test
    void a_broker_that_says_nothing_or_something_else_gets_qos_2() {
        assertThat(OutputQos.choose(Optional.empty()).qos()).isEqualTo(2);
        assertThat(OutputQos.choose(Optional.of("EMQX 5.8.0")).qos()).isEqualTo(2);
        assertThat(OutputQos.choose(Optional.of("mosquitto version x")).qos()).isEqualTo(2);
    }
}
