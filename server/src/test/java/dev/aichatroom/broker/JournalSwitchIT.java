package dev.aichatroom.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.aichatroom.testing.FreePorts;
import dev.aichatroom.testing.TestMqtt;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code MQTT_JOURNAL_SYNC} picks the journal's file access (decision 0038): NIO writes synced before the
 * acknowledgement with {@code true}, memory-mapped files with {@code false}, the default. An operator may change the
 * setting between two starts: what one kind wrote the other reads, both ways, and a persistent session finds every
 * message queued for it under either, in order.
 */
@Timeout(180)
class JournalSwitchIT {
    private static final String TOPIC = "journal/switch";
    private static final int PER_START = 100;

    @TempDir
    Path dataDir;

    @Test
    void messages_queued_under_either_journal_setting_survive_a_restart_under_the_other() throws Exception {
        List<String> sent = new ArrayList<>();
        // 1. synced NIO journal: the session subscribes and goes away; 100 messages are queued for it
        withBroker(true, port -> {
            Mqtt5BlockingClient keeper = TestMqtt.unconnected(port, "switch-keeper");
            keeper.connectWith().cleanStart(true).sessionExpiryInterval(3600).send();
            keeper.subscribeWith().topicFilter(TOPIC).qos(MqttQos.AT_LEAST_ONCE).send();
            keeper.disconnect();
            sent.addAll(publish(port, "nio-"));
        });
        // 2. memory-mapped journal on the same files: 100 more
        withBroker(false, port -> sent.addAll(publish(port, "mapped-")));
        // 3. back to NIO: the session gets all 200, in the order they were sent
        List<String> received = new ArrayList<>();
        withBroker(true, port -> received.addAll(drain(port, sent.size())));
        assertThat(received).containsExactlyElementsOf(sent);
        // 4. and nothing comes back once they were acknowledged, under the mapped journal either
        withBroker(false, port -> assertThat(drain(port, 0)).isEmpty());
    }

    private interface WithPort {
        void run(int port) throws Exception;
    }

    private void withBroker(boolean journalSync, WithPort body) throws Exception {
        BrokerConfig defaults =
                new BrokerConfig("127.0.0.1", FreePorts.next(), -1, dataDir, Map.of(), Optional.of(true));
        BrokerConfig config = new BrokerConfig(
                defaults.bind(),
                defaults.port(),
                defaults.wsPort(),
                defaults.dataDir(),
                defaults.accounts(),
                defaults.allowAnonymous(),
                defaults.tlsPort(),
                defaults.tls(),
                defaults.limits(),
                defaults.clientIds(),
                defaults.origins(),
                journalSync);
        EmbeddedBroker broker =
                new EmbeddedBroker(config, AccessPolicy.openToAll(), List.of(), ClientListener.NONE, List.of());
        broker.start();
        try {
            body.run(config.port());
        } finally {
            broker.close();
        }
    }

    private static List<String> publish(int port, String prefix) {
        Mqtt5BlockingClient publisher = TestMqtt.unconnected(port, "switch-publisher");
        publisher.connect();
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < PER_START; i++) {
            String text = prefix + i;
            publisher
                    .publishWith()
                    .topic(TOPIC)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(text.getBytes(StandardCharsets.UTF_8))
                    .send(); // returns on the broker's PUBACK
            sent.add(text);
        }
        publisher.disconnect();
        return sent;
    }

    /**
     * Resumes the keeper's session and takes what it is sent: up to {@code expected} messages (each within 60 s), then
     * whatever else comes within 3 s.
     */
    private static List<String> drain(int port, int expected) throws InterruptedException {
        List<String> received = new ArrayList<>();
        Mqtt5BlockingClient keeper = TestMqtt.unconnected(port, "switch-keeper");
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = keeper.publishes(MqttGlobalPublishFilter.ALL)) {
            keeper.connectWith().cleanStart(false).sessionExpiryInterval(3600).send();
            while (true) {
                Optional<Mqtt5Publish> p = publishes.receive(received.size() < expected ? 60 : 3, TimeUnit.SECONDS);
                if (p.isEmpty()) {
                    break;
                }
                received.add(new String(p.get().getPayloadAsBytes(), StandardCharsets.UTF_8));
            }
        }
        keeper.disconnect();
        return received;
    }
}
