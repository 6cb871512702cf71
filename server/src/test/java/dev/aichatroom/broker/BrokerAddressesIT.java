package dev.aichatroom.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import dev.aichatroom.testing.TestMqtt;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Topics nobody uses any more do not stay in the broker: publishes and subscriptions to many distinct topics. */
@Timeout(120)
class BrokerAddressesIT {
    @TempDir
    static Path dataDir;

    private static OpenBroker open;
    private static EmbeddedBroker broker;
    private static int port;

    @BeforeAll
    static void start() {
        open = OpenBroker.tcp(dataDir);
        broker = open.broker();
        port = open.port();
    }

    @AfterAll
    static void stop() {
        open.close();
    }

    @Test
    void addresses_of_topics_without_subscribers_are_removed_and_retained_messages_stay() {
        int baseline = broker.addressCount();
        Mqtt5BlockingClient client = open.client("address-flooder");
        client.connect();
        try {
            client.publishWith()
                    .topic("kept/room-1/members")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .retain(true)
                    .payload("{\"members\":[]}".getBytes(StandardCharsets.UTF_8))
                    .send();
            for (int i = 0; i < 1000; i++) {
                client.publishWith()
                        .topic("flood/room-" + i + "/in")
                        .qos(i % 2 == 0 ? MqttQos.AT_MOST_ONCE : MqttQos.AT_LEAST_ONCE)
                        .payload("x".getBytes(StandardCharsets.UTF_8))
                        .send();
            }
            // subscriptions of a clean session, then gone
            for (int i = 0; i < 200; i++) {
                client.subscribeWith().topicFilter("joined/room-" + i + "/out").send();
                client.unsubscribeWith()
                        .topicFilter("joined/room-" + i + "/out")
                        .send();
            }
        } finally {
            client.disconnect();
        }
        int inUse = broker.addressCount();
        assertThat(inUse).as("addresses after the flood").isGreaterThan(baseline + 1000);
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(broker.addressCount()).isLessThanOrEqualTo(baseline + 5));
        try (TestMqtt reader = TestMqtt.connect(port, "retained-reader").subscribe("kept/+/members")) {
            reader.await("kept/+/members", r -> r.retain() && r.text().contains("members"));
        }
    }
}
