package dev.aichatroom.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.aichatroom.testing.FreePorts;
import dev.aichatroom.testing.ProductProcess;
import dev.aichatroom.testing.TestMqtt;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * With the default {@code MQTT_JOURNAL_SYNC=false} (no fdatasync), a QoS 1 message the embedded broker has acknowledged
 * survives a crash of the process: the product is killed (SIGKILL) right after the last PUBACK and started again on the
 * same data directory, and a subscriber with a persistent session gets every acknowledged message
 * (docs/decisions/0014-journal-sync.md). A broker that acknowledged before writing to the operating system would lose
 * the last ones here.
 */
@Timeout(240)
class JournalCrashIT {
    private static final int MESSAGES = 300;

    @TempDir
    Path dir;

    @Test
    void every_acknowledged_qos1_message_survives_a_sigkill_of_the_product() throws Exception {
        assertThat(ProductProcess.JAR).as("the product jar (mvn package)").exists();
        int http = FreePorts.next();
        int mqtt = FreePorts.next();
        int ws = FreePorts.next();

        Process first = start(http, mqtt, ws, "first.log");
        Set<String> acknowledged = new HashSet<>();
        try {
            ProductProcess.awaitHealthy(http, first, dir);
            Mqtt5BlockingClient keeper = TestMqtt.unconnected(mqtt, "journal-keeper");
            keeper.connectWith().cleanStart(true).sessionExpiryInterval(3600).send();
            keeper.subscribeWith()
                    .topicFilter("journal/crash")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();
            keeper.disconnect(); // the session stays: what comes now is queued for it, in the journal

            Mqtt5BlockingClient publisher = TestMqtt.unconnected(mqtt, "journal-publisher");
            publisher.connect();
            for (int i = 0; i < MESSAGES; i++) {
                String text = "m" + i;
                publisher
                        .publishWith()
                        .topic("journal/crash")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(text.getBytes(StandardCharsets.UTF_8))
                        .send(); // returns once the broker's PUBACK came
                acknowledged.add(text);
            }
        } finally {
            first.destroyForcibly(); // SIGKILL: no shutdown hook, no journal close
            first.waitFor(30, TimeUnit.SECONDS);
        }

        Process second = start(http, mqtt, ws, "second.log");
        try {
            ProductProcess.awaitHealthy(http, second, dir);
            Set<String> received = new HashSet<>();
            Mqtt5BlockingClient keeper = TestMqtt.unconnected(mqtt, "journal-keeper");
            try (Mqtt5BlockingClient.Mqtt5Publishes publishes =
                    keeper.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
                keeper.connectWith().cleanStart(false).sessionExpiryInterval(0).send();
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (received.size() < MESSAGES && System.nanoTime() < deadline) {
                    Optional<Mqtt5Publish> p = publishes.receive(1, TimeUnit.SECONDS);
                    p.ifPresent(m -> received.add(new String(m.getPayloadAsBytes(), StandardCharsets.UTF_8)));
                }
            }
            keeper.disconnect();
            assertThat(acknowledged).hasSize(MESSAGES);
            assertThat(received).containsAll(acknowledged);
        } finally {
            second.destroy();
            second.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private Process start(int http, int mqtt, int ws, String log) {
        return ProductProcess.startEmbedded(dir, log, http, mqtt, ws, Map.of());
    }
}
