package dev.aichatroom.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5ConnectBuilder;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import dev.aichatroom.mqtt.Json;
import dev.aichatroom.mqtt.TopicFilter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** A test's own MQTT 5 client: records everything it receives. */
public final class TestMqtt implements AutoCloseable {
    /** One received message. */
    public record Received(String topic, byte[] payload, boolean retain, Map<String, String> userProperties) {
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        public JsonNode json() {
            return Json.tree(payload).orElseThrow(() -> new AssertionError("not JSON on " + topic + ": " + text()));
        }
    }

    private final Mqtt5BlockingClient client;
    private final List<Received> received = new CopyOnWriteArrayList<>();

    private TestMqtt(Mqtt5BlockingClient client) {
        this.client = client;
        client.toAsync().publishes(MqttGlobalPublishFilter.ALL, p -> {
            Map<String, String> props = new java.util.LinkedHashMap<>();
            p.getUserProperties()
                    .asList()
                    .forEach(u -> props.put(u.getName().toString(), u.getValue().toString()));
            received.add(new Received(p.getTopic().toString(), p.getPayloadAsBytes(), p.isRetain(), props));
        });
    }

    /** A plain MQTT 5 client of the broker on 127.0.0.1:{@code port}, not connected yet (the test connects it). */
    public static Mqtt5BlockingClient unconnected(int port, String clientId) {
        return MqttClient.builder()
                .useMqttVersion5()
                .identifier(clientId)
                .serverHost("127.0.0.1")
                .serverPort(port)
                .buildBlocking();
    }

    /**
     * Whether the broker on 127.0.0.1:{@code port} kept a session for {@code clientId}, asked by connecting as it
     * (clean start false, session expiry 0): the answer ends the session.
     */
    public static boolean sessionPresent(int port, String clientId) {
        Mqtt5BlockingClient client = unconnected(port, clientId);
        try {
            return client.connectWith()
                    .cleanStart(false)
                    .sessionExpiryInterval(0)
                    .send()
                    .isSessionPresent();
        } finally {
            client.disconnect();
        }
    }

    public static TestMqtt connect(int port, String clientId) {
        return connect(port, clientId, b -> b, c -> c);
    }

    /** Connects with a username and password. */
    public static TestMqtt login(int port, String clientId, String username, String password) {
        return connect(
                port,
                clientId,
                b -> b.simpleAuth()
                        .username(username)
                        .password(password.getBytes(StandardCharsets.UTF_8))
                        .applySimpleAuth(),
                c -> c);
    }

    public static TestMqtt connect(
            int port,
            String clientId,
            java.util.function.UnaryOperator<Mqtt5ClientBuilder> builder,
            java.util.function.UnaryOperator<Mqtt5ConnectBuilder.Send<Mqtt5ConnAck>> connect) {
        Mqtt5BlockingClient client = builder.apply(MqttClient.builder()
                        .useMqttVersion5()
                        .identifier(clientId)
                        .serverHost("127.0.0.1")
                        .serverPort(port))
                .buildBlocking();
        TestMqtt t = new TestMqtt(client);
        connect.apply(client.connectWith()).send();
        return t;
    }

    public Mqtt5BlockingClient client() {
        return client;
    }

    public TestMqtt subscribe(String... filters) {
        for (String f : filters) {
            client.subscribeWith().topicFilter(f).qos(MqttQos.AT_LEAST_ONCE).send();
        }
        return this;
    }

    public Mqtt5PublishResult publish(String topic, String payload) {
        return client.publishWith()
                .topic(topic)
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(payload.getBytes(StandardCharsets.UTF_8))
                .send();
    }

    /** Publishes a retained message at QoS 1 and waits for its PUBACK. */
    /** Publishes at QoS 1 without waiting for the broker's acknowledgement: the future completes with it. */
    public java.util.concurrent.CompletableFuture<Mqtt5PublishResult> publishAsync(String topic, String payload) {
        return client.toAsync()
                .publishWith()
                .topic(topic)
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(payload.getBytes(StandardCharsets.UTF_8))
                .send();
    }

    public Mqtt5PublishResult publishRetained(String topic, String payload) {
        return client.publishWith()
                .topic(topic)
                .qos(MqttQos.AT_LEAST_ONCE)
                .retain(true)
                .payload(payload.getBytes(StandardCharsets.UTF_8))
                .send();
    }

    /** Asserts that the broker answers a SUBSCRIBE to {@code filter} with SUBACK 0x87 (not authorized) alone. */
    public void assertSubscribeRefused(String filter) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> subscribe(filter))
                .as(filter)
                .isInstanceOfSatisfying(
                        com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException.class,
                        e -> org.assertj.core.api.Assertions.assertThat(
                                        e.getMqttMessage().getReasonCodes())
                                .containsExactly(
                                        com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode
                                                .NOT_AUTHORIZED));
    }

    /** Publishes and returns the reason code of a PUBACK that refused the message, if one did. */
    public java.util.Optional<com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode> tryPublish(
            String topic, String payload) {
        try {
            publish(topic, payload);
            return java.util.Optional.empty();
        } catch (com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException e) {
            return java.util.Optional.of(e.getMqttMessage().getReasonCode());
        }
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    public List<Received> on(String filter) {
        return received.stream()
                .filter(r -> TopicFilter.matches(filter, r.topic()))
                .toList();
    }

    /** Waits up to 10 s for a message on {@code filter} that satisfies {@code test}. */
    public Received await(String filter, Predicate<Received> test) {
        return await(filter, test, Duration.ofSeconds(10));
    }

    public Received await(String filter, Predicate<Received> test, Duration timeout) {
        Predicate<Received> match = r -> TopicFilter.matches(filter, r.topic()) && test.test(r);
        org.awaitility.Awaitility.await()
                .atMost(timeout)
                .until(() -> received.stream().anyMatch(match));
        return received.stream().filter(match).findFirst().orElseThrow();
    }

    public void clear() {
        received.clear();
    }

    @Override
    public void close() {
        if (client.getState().isConnected()) {
            client.disconnect();
        }
    }
}
