package dev.aichatroom.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aichatroom.testing.TestProduct;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A port taken by another process (a Debian mosquitto on 1883, say) is named by its variable before anything starts. */
@Timeout(60)
class PortsIT {
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"PORT", "MQTT_PORT", "MQTT_WS_PORT"})
    void a_taken_port_is_reported_at_once_by_its_variable(String variable) throws Exception {
        try (ServerSocket other = new ServerSocket()) {
            other.bind(new InetSocketAddress("127.0.0.1", 0));
            int taken = other.getLocalPort();
            long start = System.nanoTime();
            assertThatThrownBy(() -> TestProduct.start(Map.of(variable, Integer.toString(taken))))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith(variable + ": port " + taken)
                    .hasMessageContaining("already in use")
                    .hasMessageContaining("set " + variable + " to a free port");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
            // nothing was left listening: the port check came before every listener
        }
    }
}
