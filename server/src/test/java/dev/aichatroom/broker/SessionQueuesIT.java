package dev.aichatroom.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aichatroom.testing.FreePorts;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.WireMqtt;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The subscriptions of an MQTT 5 session that ends with its connection (session expiry 0) are kept in memory, not in
 * the broker's journal (decision 0053); those of a session that outlives its connection stay in the journal. A client
 * cannot turn the first kind into the second by asking for a longer session in its DISCONNECT (MQTT-3.14.2-2), which
 * Artemis by itself allowed.
 */
@Timeout(60)
class SessionQueuesIT {
    @TempDir
    static Path dataDir;

    private static EmbeddedBroker broker;
    private static int port;

    @BeforeAll
    static void start() {
        BrokerConfig config = new BrokerConfig("127.0.0.1", FreePorts.next(), -1, dataDir, Map.of(), Optional.of(true));
        port = config.port();
        broker = OpenBroker.with(config).broker();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void only_subscriptions_that_outlive_their_connection_are_journalled() {
        try (WireMqtt ending = connect("ending-1", MqttVersion.MQTT_5, true, 0);
                WireMqtt staying = connect("staying-1", MqttVersion.MQTT_5, true, 300);
                WireMqtt forever = connect("forever-1", MqttVersion.MQTT_5, true, -1);
                WireMqtt old = connect("old-clean-1", MqttVersion.MQTT_3_1_1, true, 0);
                WireMqtt oldKept = connect("old-kept-1", MqttVersion.MQTT_3_1_1, false, 0)) {
            for (WireMqtt c : List.of(ending, staying, forever, old, oldKept)) {
                c.subscribe("lab/+/readings", 1);
                c.subscribe("lab/room-1/exact", 0);
            }
            ending.subscribe("$share/group-1/lab/shared", 1);
            assertThat(broker.durability("ending-1")).containsExactly(false, false);
            assertThat(broker.durability("staying-1")).containsExactly(true, true);
            assertThat(broker.durability("forever-1")).containsExactly(true, true);
            assertThat(broker.durability("old-clean-1")).containsExactly(false, false);
            assertThat(broker.durability("old-kept-1")).containsExactly(true, true);
            assertThat(broker.durability("group-1"))
                    .as("a shared subscription's queue belongs to every member: journalled")
                    .containsExactly(true);

            // and the in-memory ones get what is published, at the QoS asked for
            staying.publish("lab/room-1/readings", "{\"t\":21}", 1);
            WireMqtt.Message got =
                    ending.awaitMessages(1, Duration.ofSeconds(10)).getFirst();
            assertThat(got.qos()).isEqualTo(1);
            assertThat(got.text()).isEqualTo("{\"t\":21}");
        }
    }

    @Test
    void a_session_begun_with_expiry_0_ends_with_its_connection_whatever_its_disconnect_asks() {
        WireMqtt c = connect("lengthening-1", MqttVersion.MQTT_5, true, 0);
        c.subscribe("lab/+/readings", 1);
        MqttProperties longer = new MqttProperties();
        longer.add(new MqttProperties.IntegerProperty(
                MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL.value(), 3_600));
        c.disconnect(longer);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> broker.durability("lengthening-1").isEmpty());
        assertThat(TestMqtt.sessionPresent(port, "lengthening-1"))
                .as("no session kept for a DISCONNECT that asked for a longer one")
                .isFalse();
    }

    @Test
    void refused_subscriptions_repeated_cannot_grow_what_the_broker_remembers(@TempDir Path otherDir) {
        BrokerConfig config =
                new BrokerConfig("127.0.0.1", FreePorts.next(), -1, otherDir, Map.of(), Optional.of(true));
        // the rooms' raw inputs are the service's to read: every SUBSCRIBE below is refused
        EmbeddedBroker guarded = new EmbeddedBroker(
                config,
                new AccessPolicy(List.of(), List.of("chatroom/+/messages/in"), List.of(), List.of(), Optional.empty()),
                List.of(),
                ClientListener.NONE,
                List.of());
        guarded.start();
        try (WireMqtt c = WireMqtt.open(config.port(), MqttVersion.MQTT_5)) {
            c.connect(WireMqtt.Connect.of("refused-1"));
            int sent = SubscriberQueues.PENDING_LIMIT + 2_000;
            for (int i = 0; i < sent; i += 100) {
                List<String> filters = new java.util.ArrayList<>();
                for (int j = i; j < i + 100; j++) {
                    filters.add("chatroom/r" + j + "/messages/in");
                }
                List<Integer> codes =
                        c.subscribe(filters, java.util.Collections.nCopies(filters.size(), WireMqtt.qos(1)));
                assertThat(codes).as("refused").allMatch(code -> code >= 0x80);
            }
            assertThat(guarded.pendingInMemoryQueues()).isBetween(1, SubscriberQueues.PENDING_LIMIT);
            c.disconnect();
            await().atMost(Duration.ofSeconds(10)).until(() -> guarded.pendingInMemoryQueues() == 0);
        } finally {
            guarded.close();
        }
    }

    private static WireMqtt connect(String clientId, MqttVersion version, boolean cleanStart, int expiry) {
        WireMqtt c = WireMqtt.open(port, version);
        WireMqtt.Connect connect = WireMqtt.Connect.of(clientId).cleanStart(cleanStart);
        if (version == MqttVersion.MQTT_5 && expiry != 0) {
            MqttProperties p = new MqttProperties();
            p.add(new MqttProperties.IntegerProperty(
                    MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL.value(), expiry));
            connect = connect.properties(p);
        }
        c.connect(connect);
        return c;
    }
}
