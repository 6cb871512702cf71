package dev.aichatroom.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aichatroom.testing.FreePorts;
import dev.aichatroom.testing.WireMqtt;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service's chat messages routed by the embedded broker in the same process (decision 0052): what a subscriber
 * receives is what the service's MQTT publish gave it, in the order routed, and what the broker's plugins did for
 * that publish still holds: an output routed once by its {@code message_id}, also after a restart (0041), and a new
 * topic's first message routed to every subscription that matches it (0039). Real MQTT subscribers on raw sockets
 * read the packets the broker sends.
 */
@Timeout(120)
class LocalOutputsIT {
    private static final String OUT = "chatroom/room-1/messages/out";
    private static final String SERVICE = "local-service";

    @TempDir
    static Path dataDir;

    private static EmbeddedBroker broker;
    private static int port;

    @BeforeAll
    static void start() {
        BrokerConfig config = new BrokerConfig("127.0.0.1", FreePorts.next(), -1, dataDir, Map.of(), Optional.of(true));
        port = config.port();
        broker = OutputDuplicatesIT.onceBroker(config);
        broker.start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void subscribers_get_an_output_as_the_services_publish_gave_it() throws Exception {
        try (WireMqtt wild = subscriber("local-wild", "chatroom/+/messages/out", 1);
                WireMqtt exact = subscriber("local-exact", OUT, 0);
                WireMqtt own = WireMqtt.open(port, MqttVersion.MQTT_5)) {
            own.connect(WireMqtt.Connect.of(SERVICE));
            // the service's own client id with "no local": it never sees what it published itself
            own.subscribe(
                    List.of(OUT),
                    List.of(new MqttSubscriptionOption(
                            MqttQoS.AT_LEAST_ONCE,
                            true,
                            false,
                            MqttSubscriptionOption.RetainedHandlingPolicy.SEND_AT_SUBSCRIBE)));
            String payload = OutputDuplicatesIT.output(UUID.randomUUID().toString(), "héllo, 世界");

            publish(OUT, payload).get(10, TimeUnit.SECONDS);

            WireMqtt.Message atOne =
                    wild.awaitMessages(1, Duration.ofSeconds(10)).getFirst();
            assertThat(atOne.topic()).isEqualTo(OUT);
            assertThat(atOne.text()).isEqualTo(payload);
            assertThat(atOne.qos()).as("QoS 1 to a QoS 1 subscription").isEqualTo(1);
            assertThat(atOne.retain()).isFalse();
            assertThat(atOne.userProperties())
                    .as("nothing of the broker's own leaks out")
                    .isEmpty();
            WireMqtt.Message atZero =
                    exact.awaitMessages(1, Duration.ofSeconds(10)).getFirst();
            assertThat(atZero.text()).isEqualTo(payload);
            assertThat(atZero.qos()).as("the subscription's QoS 0 caps it").isZero();
            publish(OUT, OutputDuplicatesIT.output(UUID.randomUUID().toString(), "second"))
                    .get(10, TimeUnit.SECONDS);
            wild.awaitMessages(2, Duration.ofSeconds(10));
            assertThat(own.messages()).as("no local").isEmpty();
        }
    }

    @Test
    void outputs_arrive_and_complete_in_the_order_they_were_routed() throws Exception {
        String topic = "chatroom/room-order/messages/out";
        int count = 2_000;
        try (WireMqtt reader = subscriber("local-order", topic, 1)) {
            List<Integer> completed = new CopyOnWriteArrayList<>();
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int n = i;
                all.add(publish(
                                topic,
                                OutputDuplicatesIT.output(UUID.randomUUID().toString(), "n" + i))
                        .thenRun(() -> completed.add(n)));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            List<String> got = reader.awaitMessages(count, Duration.ofSeconds(30)).stream()
                    .map(LocalOutputsIT::content)
                    .toList();
            List<String> sent = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                sent.add("n" + i);
            }
            assertThat(got).containsExactlyElementsOf(sent);
            assertThat(completed).isSorted().hasSize(count);
        }
    }

    @Test
    void outputs_routed_together_complete_together_in_order_and_a_repeat_among_them_is_not_routed() throws Exception {
        String topic = "chatroom/room-together/messages/out";
        String taken = UUID.randomUUID().toString();
        try (WireMqtt reader = subscriber("local-together", topic, 1)) {
            publish(topic, OutputDuplicatesIT.output(taken, "taken before")).get(10, TimeUnit.SECONDS);
            List<CompletableFuture<Void>> all = new ArrayList<>();
            List<Long> doneInside = new ArrayList<>();
            broker.localOutputs().together(() -> {
                for (int i = 0; i < 500; i++) {
                    all.add(publish(
                            topic, OutputDuplicatesIT.output(UUID.randomUUID().toString(), "t" + i)));
                    if (i == 250) {
                        all.add(publish(topic, OutputDuplicatesIT.output(taken, "repeat")));
                    }
                }
                doneInside.add(all.stream().filter(CompletableFuture::isDone).count());
            });
            assertThat(doneInside)
                    .as("done before the batch is committed: only the repeat, which is not routed")
                    .containsExactly(1L);
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            List<String> got = reader.awaitMessages(501, Duration.ofSeconds(30)).stream()
                    .map(LocalOutputsIT::content)
                    .toList();
            List<String> sent = new ArrayList<>(List.of("taken before"));
            for (int i = 0; i < 500; i++) {
                sent.add("t" + i);
            }
            Thread.sleep(300); // a repeat routed would come right behind
            assertThat(reader.messages().stream().map(LocalOutputsIT::content).toList())
                    .containsExactlyElementsOf(sent);
            assertThat(got).hasSize(501);
        }
    }

    @Test
    void a_new_topics_first_output_reaches_every_subscription_that_matches_it() throws Exception {
        String room = "chatroom/new-" + UUID.randomUUID().toString().substring(0, 8) + "/messages/out";
        try (WireMqtt wild = subscriber("local-new-wild", "chatroom/+/messages/out", 1);
                WireMqtt all = subscriber("local-new-all", "chatroom/#", 1);
                WireMqtt exact = subscriber("local-new-exact", room, 1)) {
            publish(room, OutputDuplicatesIT.output(UUID.randomUUID().toString(), "first"))
                    .get(10, TimeUnit.SECONDS);
            for (WireMqtt s : List.of(wild, all, exact)) {
                assertThat(s.awaitMessages(1, Duration.ofSeconds(10)).getFirst().topic())
                        .isEqualTo(room);
            }
        }
    }

    @Test
    void an_output_the_broker_took_is_not_routed_again_even_after_a_restart(@TempDir Path otherDir) throws Exception {
        BrokerConfig config =
                new BrokerConfig("127.0.0.1", FreePorts.next(), -1, otherDir, Map.of(), Optional.of(true));
        String id = UUID.randomUUID().toString();
        EmbeddedBroker first = OutputDuplicatesIT.onceBroker(config);
        try {
            first.start();
            // a subscriber with a persistent session, away while the outputs come
            try (WireMqtt away = WireMqtt.open(config.port(), MqttVersion.MQTT_5)) {
                away.connect(WireMqtt.Connect.of("local-away").cleanStart(true).properties(expiry(600)));
                away.subscribe(OUT, 1);
                away.disconnect();
            }
            first.localOutputs()
                    .publish(OUT, bytes(OutputDuplicatesIT.output(id, "before")), 1, SERVICE)
                    .get(10, TimeUnit.SECONDS);
            // published again at once: the broker has it already
            first.localOutputs()
                    .publish(OUT, bytes(OutputDuplicatesIT.output(id, "again")), 1, SERVICE)
                    .get(10, TimeUnit.SECONDS);
        } finally {
            first.close();
        }
        EmbeddedBroker second = OutputDuplicatesIT.onceBroker(config);
        try {
            second.start();
            second.localOutputs()
                    .publish(OUT, bytes(OutputDuplicatesIT.output(id, "after the restart")), 1, SERVICE)
                    .get(10, TimeUnit.SECONDS);
            second.localOutputs()
                    .publish(
                            OUT,
                            bytes(OutputDuplicatesIT.output(UUID.randomUUID().toString(), "last")),
                            1,
                            SERVICE)
                    .get(10, TimeUnit.SECONDS);
            try (WireMqtt back = WireMqtt.open(config.port(), MqttVersion.MQTT_5)) {
                back.connect(WireMqtt.Connect.of("local-away").cleanStart(false));
                List<String> got = back.awaitMessages(2, Duration.ofSeconds(10)).stream()
                        .map(LocalOutputsIT::content)
                        .toList();
                Thread.sleep(500); // anything routed twice would come right behind
                assertThat(back.messages().stream().map(LocalOutputsIT::content).toList())
                        .as("the output once, as first routed, then the next one")
                        .containsExactly("before", "last");
                assertThat(got).hasSize(2);
            }
        } finally {
            second.close();
        }
    }

    @Test
    void nothing_is_routed_by_a_broker_that_does_not_run(@TempDir Path otherDir) {
        BrokerConfig config =
                new BrokerConfig("127.0.0.1", FreePorts.next(), -1, otherDir, Map.of(), Optional.of(true));
        EmbeddedBroker stopped = OutputDuplicatesIT.onceBroker(config);
        stopped.start();
        stopped.close();
        assertThatThrownBy(() -> stopped.localOutputs()
                        .publish(
                                OUT,
                                bytes(OutputDuplicatesIT.output(
                                        UUID.randomUUID().toString(), "late")),
                                1,
                                SERVICE)
                        .get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(LocalOutputs.Refused.class);
    }

    private static CompletableFuture<Void> publish(String topic, String payload) {
        return broker.localOutputs().publish(topic, bytes(payload), 1, SERVICE);
    }

    private static WireMqtt subscriber(String clientId, String filter, int qos) {
        WireMqtt s = WireMqtt.open(port, MqttVersion.MQTT_5);
        s.connect(WireMqtt.Connect.of(clientId));
        s.subscribe(filter, qos);
        return s;
    }

    private static io.netty.handler.codec.mqtt.MqttProperties expiry(int seconds) {
        io.netty.handler.codec.mqtt.MqttProperties p = new io.netty.handler.codec.mqtt.MqttProperties();
        p.add(new io.netty.handler.codec.mqtt.MqttProperties.IntegerProperty(
                io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL.value(), seconds));
        return p;
    }

    private static String content(WireMqtt.Message m) {
        try {
            return JSON.readTree(m.text()).path("content").asText();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
