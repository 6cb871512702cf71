package dev.aichatroom.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.aichatroom.testing.FreePorts;
import dev.aichatroom.testing.RawMqtt;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A subscriber that stops reading, or a persistent session that stays away, cannot make the broker keep every message
 * of its topics (decision 0036): one anonymous client that subscribed and stopped reading grew the heap by 2.5 GB in
 * 40 s while another flooded the topic. The service's own subscriptions keep everything.
 */
@Timeout(180)
class SubscriberQueuesIT {
    private static final int LIMIT = 100;

    @TempDir
    static Path dataDir;

    private static OpenBroker open;
    private static EmbeddedBroker broker;
    private static int port;

    @BeforeAll
    static void start() {
        BrokerConfig defaults =
                new BrokerConfig("127.0.0.1", FreePorts.next(), -1, dataDir, Map.of(), Optional.of(true));
        BrokerLimits d = BrokerLimits.DEFAULTS;
        BrokerLimits limits = new BrokerLimits(
                d.connectTimeout(),
                d.maxPacketSize(),
                d.maxConnectionsPerIp(),
                d.loginFailuresPerIp(),
                d.loginBan(),
                d.maxInputBacklog(),
                LIMIT);
        BrokerConfig config = new BrokerConfig(
                defaults.bind(),
                defaults.port(),
                defaults.wsPort(),
                defaults.dataDir(),
                defaults.accounts(),
                defaults.allowAnonymous(),
                defaults.tlsPort(),
                defaults.tls(),
                limits,
                defaults.clientIds(),
                defaults.origins(),
                defaults.journalSync());
        port = config.port();
        open = OpenBroker.with(config);
        broker = open.broker();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void a_subscriber_that_stops_reading_keeps_only_the_newest_messages_and_others_get_all() throws Exception {
        int count = 3_000;
        List<Integer> seen = new ArrayList<>();
        try (RawMqtt stalled = RawMqtt.subscribeAndStall(port, "stalled-reader", "flood/topic", 1)) {
            Mqtt5BlockingClient reader = open.client("attentive-reader");
            reader.connect();
            reader.subscribeWith()
                    .topicFilter("flood/topic")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();
            try (Mqtt5BlockingClient.Mqtt5Publishes publishes =
                    reader.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
                Mqtt5BlockingClient flooder = open.client("flooder");
                flooder.connect();
                byte[] filler = new byte[8 * 1024];
                for (int i = 0; i < count; i++) {
                    // the attentive one reads as it goes: it is never more than half the bound behind, however slow
                    // the machine (a loaded CI machine let it fall LIMIT behind, and the bound dropped 18 of its
                    // messages as it should)
                    readUntil(publishes, seen, i - LIMIT / 2);
                    ByteBuffer payload = ByteBuffer.allocate(4 + filler.length)
                            .putInt(i)
                            .put(filler)
                            .flip();
                    flooder.publishWith()
                            .topic("flood/topic")
                            .qos(i % 2 == 0 ? MqttQos.AT_MOST_ONCE : MqttQos.AT_LEAST_ONCE)
                            .payload(payload)
                            .send();
                }
                flooder.disconnect();
                readUntil(publishes, seen, count);
            } finally {
                reader.disconnect();
            }
            List<Integer> missing = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                missing.add(i);
            }
            missing.removeAll(seen);
            assertThat(missing).as("what the attentive subscriber did not get").isEmpty();
            assertThat(seen).as("what the attentive subscriber got").hasSize(count);
            assertThat(broker.waitingFor("stalled-reader"))
                    .as("messages waiting for the subscriber that stopped reading")
                    .isLessThanOrEqualTo(LIMIT);
            // and those already written towards its socket (the connection's write buffer, the kernel's) are a few
            assertThat(broker.queuedFor("stalled-reader"))
                    .as("messages held for it, waiting or sent and not acknowledged")
                    .isLessThan(count / 3);
        }
    }

    @Test
    void a_persistent_session_away_gets_the_newest_messages_on_return_in_order() {
        open.subscribeAndLeave("away-device", "away/topic");
        int count = 500;
        open.publish("away-flooder", "away/topic", count);
        await().atMost(Duration.ofSeconds(30)).until(() -> broker.queuedFor("away-device") == LIMIT);
        List<Integer> got = receiveAll(open.client("away-device"), LIMIT);
        List<Integer> newest = new ArrayList<>();
        for (int i = count - LIMIT; i < count; i++) {
            newest.add(i);
        }
        assertThat(got).as("what the returning session got").isEqualTo(newest);
    }

    @Test
    void the_services_own_subscriptions_keep_everything() {
        Broker.Credentials service = broker.serviceCredentials();
        Mqtt5BlockingClient away = MqttClient.builder()
                .useMqttVersion5()
                .identifier("service-like")
                .serverHost(broker.host())
                .serverPort(broker.port())
                .simpleAuth()
                .username(service.username())
                .password(service.password().getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .applySimpleAuth()
                .buildBlocking();
        away.connectWith().cleanStart(false).sessionExpiryInterval(600).send();
        away.subscribeWith().topicFilter("svc/topic").qos(MqttQos.AT_LEAST_ONCE).send();
        away.disconnect();
        int count = 500;
        open.publish("svc-flooder", "svc/topic", count);
        await().atMost(Duration.ofSeconds(30)).until(() -> broker.queuedFor("service-like") == count);
    }

    /** Reads until {@code seen} holds {@code atLeast} messages, or none came for 30 s. */
    private static void readUntil(Mqtt5BlockingClient.Mqtt5Publishes publishes, List<Integer> seen, int atLeast)
            throws InterruptedException {
        while (seen.size() < atLeast) {
            Optional<Mqtt5Publish> p = publishes.receive(30, TimeUnit.SECONDS);
            if (p.isEmpty()) {
                return;
            }
            seen.add(p.get().getPayload().orElseThrow().getInt(0));
        }
    }

    private static List<Integer> receiveAll(Mqtt5BlockingClient client, int expected) {
        List<Integer> got = new ArrayList<>();
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes =
                client.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            client.connectWith().cleanStart(false).sessionExpiryInterval(600).send();
            while (true) {
                Optional<Mqtt5Publish> p = publishes.receive(got.size() < expected ? 30 : 2, TimeUnit.SECONDS);
                if (p.isEmpty()) {
                    break;
                }
                got.add(p.get().getPayload().orElseThrow().getInt(0));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            client.disconnect();
        }
        return got;
    }
}
