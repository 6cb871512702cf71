package dev.aichatroom.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import dev.aichatroom.testing.FreePorts;
import dev.aichatroom.testing.TestMqtt;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded broker routes each of the service's outputs once by its {@code message_id} (decision 0041): the
 * service publishing one again gets its acknowledgement and keeps its connection, and nothing reaches a subscriber
 * twice; no other client can name an id and so have the service's output, or anyone else's message, dropped. The
 * access policy is open here, so a device may even publish on {@code messages/out} (the product refuses that): the
 * attacks below are the ones a misconfigured broker would allow.
 */
@Timeout(120)
class OutputDuplicatesIT {
    private static final String OUT = "chatroom/room-1/messages/out";

    @TempDir
    static Path dataDir;

    private static EmbeddedBroker broker;
    /** The devices' listener (the service has its own). */
    private static int port;

    @BeforeAll
    static void start() {
        BrokerConfig config = new BrokerConfig("127.0.0.1", FreePorts.next(), -1, dataDir, Map.of(), Optional.of(true));
        port = config.port();
        broker = onceBroker(config);
        broker.start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void the_service_publishing_an_output_again_is_acknowledged_and_the_output_is_routed_once() {
        String id = UUID.randomUUID().toString();
        try (TestMqtt consumer = TestMqtt.connect(port, "dup-consumer-1").subscribe(OUT)) {
            Mqtt5BlockingClient service = service("dup-service-1");
            for (MqttQos qos : List.of(MqttQos.AT_LEAST_ONCE, MqttQos.AT_LEAST_ONCE, MqttQos.EXACTLY_ONCE)) {
                Mqtt5PublishResult result = publish(service, OUT, output(id, "again"), qos);
                assertThat(result.getError())
                        .as("the repeat is acknowledged like any publish")
                        .isEmpty();
            }
            publish(service, OUT, output(UUID.randomUUID().toString(), "last"), MqttQos.AT_LEAST_ONCE);
            consumer.await(OUT, r -> r.text().contains("\"last\""), Duration.ofSeconds(30));
            assertThat(service.getState().isConnected())
                    .as("the service's connection stays")
                    .isTrue();
            assertThat(byId(consumer)).containsEntry(id, 1L).hasSize(2);
            service.disconnect();
        }
    }

    @Test
    void a_device_cannot_have_the_services_output_dropped_by_publishing_its_id_first() {
        String id = UUID.randomUUID().toString();
        try (TestMqtt consumer = TestMqtt.connect(port, "dup-consumer-2").subscribe(OUT);
                TestMqtt device = TestMqtt.connect(port, "dup-device-2")) {
            // its message_id in the payload, and Artemis' duplicate-id header's name as a user property
            for (int i = 0; i < 2; i++) {
                device.client()
                        .publishWith()
                        .topic(OUT)
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(output(id, "forged").getBytes(StandardCharsets.UTF_8))
                        .userProperties()
                        .add("_AMQ_DUPL_ID", id)
                        .add("_AMQ_BRIDGE_DUP", id)
                        .applyUserProperties()
                        .send();
            }
            Mqtt5BlockingClient service = service("dup-service-2");
            publish(service, OUT, output(id, "real"), MqttQos.AT_LEAST_ONCE);
            consumer.await(OUT, r -> r.text().contains("\"real\""), Duration.ofSeconds(30));
            assertThat(consumer.on(OUT).stream().filter(r -> r.text().contains("\"forged\"")))
                    .as("a device's messages are never taken as repeats either")
                    .hasSize(2);
            service.disconnect();
        }
    }

    @Test
    void a_device_naming_an_id_on_its_own_topic_has_none_of_its_messages_dropped() {
        String topic = "chatroom/room-1/messages/in";
        try (TestMqtt consumer = TestMqtt.connect(port, "dup-consumer-3").subscribe(topic);
                TestMqtt device = TestMqtt.connect(port, "dup-device-3")) {
            for (int i = 0; i < 3; i++) {
                device.client()
                        .publishWith()
                        .topic(topic)
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(output("same", "in-" + i).getBytes(StandardCharsets.UTF_8))
                        .userProperties()
                        .add("_AMQ_DUPL_ID", "same")
                        .applyUserProperties()
                        .send();
            }
            consumer.await(topic, r -> r.text().contains("\"in-2\""), Duration.ofSeconds(30));
            assertThat(consumer.on(topic)).hasSize(3);
        }
    }

    @Test
    void only_the_top_level_message_id_names_an_output() {
        String inside = UUID.randomUUID().toString();
        String top = UUID.randomUUID().toString();
        try (TestMqtt consumer = TestMqtt.connect(port, "dup-consumer-4").subscribe(OUT)) {
            Mqtt5BlockingClient service = service("dup-service-4");
            // a user's text that looks like an id, and an id in a nested object, come before the real one
            String tricky = "{\"type\":\"user_message\",\"content\":\"\\\"message_id\\\":\\\"" + inside
                    + "\\\"\",\"reply\":{\"message_id\":\"" + inside + "\"},\"message_id\":\"" + top + "\"}";
            publish(service, OUT, tricky, MqttQos.AT_LEAST_ONCE);
            publish(service, OUT, output(inside, "after"), MqttQos.AT_LEAST_ONCE);
            consumer.await(OUT, r -> r.text().contains("\"after\""), Duration.ofSeconds(30));
            assertThat(consumer.on(OUT)).hasSize(2);
            service.disconnect();
        }
    }

    @Test
    void the_ids_outlive_a_restart_of_the_broker(@TempDir Path otherDir) {
        String id = UUID.randomUUID().toString();
        BrokerConfig config =
                new BrokerConfig("127.0.0.1", FreePorts.next(), -1, otherDir, Map.of(), Optional.of(true));
        Map<String, Long> got = new java.util.concurrent.ConcurrentHashMap<>();
        EmbeddedBroker first = onceBroker(config);
        try {
            first.start();
            // a consumer with a persistent session, away while the outputs come
            Mqtt5BlockingClient consumer = TestMqtt.unconnected(config.port(), "dup-restart-consumer");
            consumer.connectWith().cleanStart(true).sessionExpiryInterval(600).send();
            consumer.subscribeWith().topicFilter(OUT).qos(MqttQos.AT_LEAST_ONCE).send();
            consumer.disconnect();
            Mqtt5BlockingClient service = service(first, "dup-restart-service");
            publish(service, OUT, output(id, "before"), MqttQos.AT_LEAST_ONCE);
            service.disconnect();
        } finally {
            first.close();
        }
        EmbeddedBroker second = onceBroker(config);
        try {
            second.start();
            Mqtt5BlockingClient service = service(second, "dup-restart-service");
            assertThat(publish(service, OUT, output(id, "again"), MqttQos.AT_LEAST_ONCE)
                            .getError())
                    .isEmpty();
            publish(service, OUT, output(UUID.randomUUID().toString(), "last"), MqttQos.AT_LEAST_ONCE);
            service.disconnect();
            Mqtt5BlockingClient consumer = TestMqtt.unconnected(config.port(), "dup-restart-consumer");
            consumer.toAsync().publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL, p -> {
                String text = new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8);
                got.merge(text.contains("\"last\"") ? "last" : text.contains(id) ? id : "other", 1L, Long::sum);
            });
            consumer.connectWith().cleanStart(false).sessionExpiryInterval(0).send();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> got.containsKey("last"));
            consumer.disconnect();
        } finally {
            second.close();
        }
        assertThat(got).as("the output before the restart, once").containsEntry(id, 1L);
    }

    /** An open broker that routes the service's outputs once each (also for {@link LocalOutputsIT}). */
    static EmbeddedBroker onceBroker(BrokerConfig config) {
        return new EmbeddedBroker(
                config,
                AccessPolicy.openToAll(),
                List.of(),
                ClientListener.NONE,
                List.of(),
                List.of("chatroom/messages/out", "chatroom/+/messages/out"));
    }

    private static Map<String, Long> byId(TestMqtt consumer) {
        return consumer.on(OUT).stream()
                .collect(Collectors.groupingBy(r -> r.json().path("message_id").asText(), Collectors.counting()));
    }

    static String output(String id, String content) {
        return "{\"type\":\"user_message\",\"username\":\"u\",\"content\":\"" + content + "\",\"message_id\":\"" + id
                + "\"}";
    }

    private static Mqtt5PublishResult publish(Mqtt5BlockingClient client, String topic, String payload, MqttQos qos) {
        return client.publishWith()
                .topic(topic)
                .qos(qos)
                .payload(payload.getBytes(StandardCharsets.UTF_8))
                .send();
    }

    private static Mqtt5BlockingClient service(String id) {
        return service(broker, id);
    }

    private static Mqtt5BlockingClient service(EmbeddedBroker broker, String id) {
        Broker.Credentials service = broker.serviceCredentials();
        Mqtt5BlockingClient client = MqttClient.builder()
                .useMqttVersion5()
                .identifier(id)
                .serverHost(broker.host())
                .serverPort(broker.port())
                .simpleAuth()
                .username(service.username())
                .password(service.password().getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .buildBlocking();
        client.connect();
        return client;
    }
}
