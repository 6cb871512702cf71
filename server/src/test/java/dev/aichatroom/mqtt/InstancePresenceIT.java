package dev.aichatroom.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import dev.aichatroom.testing.Mosquitto;
import dev.aichatroom.testing.TestMqtt;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Instances announcing themselves on Debian's Mosquitto, with short intervals. */
@Timeout(60)
class InstancePresenceIT {
    private static final InstancePresence.Timing FAST =
            new InstancePresence.Timing(Duration.ofMillis(200), Duration.ofSeconds(1));
    private static Mosquitto mosquitto;

    @BeforeAll
    static void start() {
        mosquitto = Mosquitto.start(false);
    }

    @AfterAll
    static void stop() {
        mosquitto.close();
    }

    private static MqttSettings settings(String clientId) {
        return mosquitto.settings(clientId);
    }

    private static InstancePresence start(String prefix, String clientId, Runnable onChange) {
        return InstancePresence.start(
                settings(clientId), prefix, Clock.systemUTC(), Duration.ofSeconds(5), FAST, onChange);
    }

    @Test
    void instances_that_keep_announcing_stay_and_the_oldest_leads_on_every_instance() throws Exception {
        String prefix = "presence-it/live/";
        try (InstancePresence first = start(prefix, "first", () -> {})) {
            Thread.sleep(5); // a later announcement
            try (InstancePresence second = start(prefix, "second", () -> {})) {
                await().atMost(Duration.ofSeconds(5))
                        .until(() -> first.instances().size() == 2);
                Thread.sleep(FAST.stale().toMillis() * 2); // long past staleness: the refreshes keep both
                assertThat(first.instances().keySet()).containsExactly("first", "second");
                assertThat(second.instances().keySet()).containsExactly("first", "second");
                assertThat(first.oldest()).isEqualTo("first");
                assertThat(second.oldest()).isEqualTo("first");
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> first.instances().size() == 1);
        }
    }

    @Test
    void an_announcement_left_without_a_will_counts_as_gone_once_it_stops_coming() throws Exception {
        String prefix = "presence-it/ghost/";
        // an instance whose will was lost: its last announcement stays retained and nobody clears it
        try (TestMqtt ghost = TestMqtt.connect(mosquitto.port(), "ghost")) {
            ghost.client()
                    .publishWith()
                    .topic(prefix + "ghost")
                    .payload("{\"client_id\":\"ghost\",\"since\":1}".getBytes(StandardCharsets.UTF_8))
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .retain(true)
                    .send();
        }
        AtomicInteger changes = new AtomicInteger();
        try (InstancePresence live = start(prefix, "live", changes::incrementAndGet)) {
            assertThat(live.oldest()).isEqualTo("ghost");
            int before = changes.get();
            await().atMost(Duration.ofSeconds(5)).until(() -> live.oldest().equals("live"));
            assertThat(live.instances().keySet()).containsExactly("live");
            assertThat(changes.get()).as("told about it").isGreaterThan(before);
        }
    }
}
