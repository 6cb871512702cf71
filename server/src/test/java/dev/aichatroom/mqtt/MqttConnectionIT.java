package dev.aichatroom.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aichatroom.testing.Mosquitto;
import dev.aichatroom.testing.TestMqtt;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The product's connection on Debian's Mosquitto. */
@Timeout(60)
class MqttConnectionIT {
    @Test
    void publishes_the_client_library_refuses_give_their_permit_back() throws Exception {
        try (Mosquitto mosquitto = Mosquitto.start(false);
                MqttConnection connection = new MqttConnection(new MqttSettings(
                        "127.0.0.1",
                        mosquitto.port(),
                        "permits-it",
                        Optional.empty(),
                        Optional.empty(),
                        0,
                        100,
                        false,
                        Optional.empty()));
                TestMqtt reader = TestMqtt.connect(mosquitto.port(), "reader").subscribe("ok/#")) {
            connection.start(Duration.ofSeconds(10), () -> {});
            // more refused publishes than there are permits (10,000)
            for (int i = 0; i < 10_050; i++) {
                var refused = connection.publish("bad/\u0000/" + i, new byte[0], false);
                assertThatThrownBy(() -> refused.get(5, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class)
                        .hasCauseInstanceOf(IllegalArgumentException.class);
            }
            connection
                    .publish("ok/after", "still publishing".getBytes(StandardCharsets.UTF_8), false)
                    .get(10, TimeUnit.SECONDS);
            assertThat(reader.await("ok/after", r -> true).text()).isEqualTo("still publishing");
        }
    }
}
