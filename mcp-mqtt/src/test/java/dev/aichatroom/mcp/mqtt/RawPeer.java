package dev.aichatroom.mcp.mqtt;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.modelcontextprotocol.json.McpJsonDefaults;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * A hand-driven MCP peer on a plain MQTT 5 connection: sends arbitrary payloads (valid or not) with the MCP user
 * properties and records what it receives, to poke the transports from outside.
 */
final class RawPeer implements AutoCloseable {

    /** A received message: topic and payload, plus the payload parsed as a JSON object (null if it is not one). */
    record Received(String topic, String text, Map<String, Object> json) {}

    private final String clientId;
    private final String componentType;
    private final Mqtt5AsyncClient client;
    private final List<Received> received = new CopyOnWriteArrayList<>();

    RawPeer(MqttConnectionConfig connection, String clientId, String componentType) {
        this.clientId = clientId;
        this.componentType = componentType;
        this.client = MqttClient.builder()
                .useMqttVersion5()
                .identifier(clientId)
                .serverHost(connection.host())
                .serverPort(connection.port())
                .buildAsync();
        client.publishes(MqttGlobalPublishFilter.ALL, p -> {
            String text = new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8);
            received.add(new Received(p.getTopic().toString(), text, parse(p.getPayloadAsBytes())));
        });
        client.connectWith().cleanStart(true).sessionExpiryInterval(0).send().join();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> parse(byte[] payload) {
        try {
            return McpJsonDefaults.getMapper().readValue(payload, Map.class);
        } catch (Exception e) {
            return null;
        }
    }

    String clientId() {
        return clientId;
    }

    RawPeer subscribe(String filter, boolean noLocal) {
        client.subscribeWith()
                .topicFilter(filter)
                .qos(MqttQos.AT_LEAST_ONCE)
                .noLocal(noLocal)
                .send()
                .join();
        return this;
    }

    void publish(String topic, String payload) {
        publish(topic, payload.getBytes(StandardCharsets.UTF_8), true, false);
    }

    void publish(String topic, byte[] payload, boolean withUserProperties, boolean retain) {
        var publish = client.publishWith()
                .topic(topic)
                .qos(MqttQos.AT_LEAST_ONCE)
                .retain(retain)
                .payload(payload);
        if (withUserProperties) {
            publish.userProperties()
                    .add("MCP-COMPONENT-TYPE", componentType)
                    .add("MCP-MQTT-CLIENT-ID", clientId)
                    .applyUserProperties()
                    .send()
                    .join();
        } else {
            publish.send().join();
        }
    }

    /** Publishes claiming another sender in {@code MCP-MQTT-CLIENT-ID} (a forged client id). */
    void publishAs(String claimedClientId, String topic, String payload) {
        client.publishWith()
                .topic(topic)
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(payload.getBytes(StandardCharsets.UTF_8))
                .userProperties()
                .add("MCP-COMPONENT-TYPE", componentType)
                .add("MCP-MQTT-CLIENT-ID", claimedClientId)
                .applyUserProperties()
                .send()
                .join();
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    /** Waits for a message matching the predicate and returns the first one. */
    Received await(Predicate<Received> match) {
        org.awaitility.Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> received.stream().anyMatch(match));
        return received.stream().filter(match).findFirst().orElseThrow();
    }

    /** Matches a JSON-RPC message with this id. */
    static Predicate<Received> withId(Object id) {
        return r -> r.json() != null
                && r.json().containsKey("id")
                && java.util.Objects.equals(r.json().get("id"), id);
    }

    /** Matches a JSON-RPC error response with this code. */
    static Predicate<Received> errorCode(int code) {
        return r -> r.json() != null
                && r.json().get("error") instanceof Map<?, ?> e
                && e.get("code") instanceof Number n
                && n.intValue() == code;
    }

    /** Matches a JSON-RPC message with this method. */
    static Predicate<Received> method(String method) {
        return r -> r.json() != null && method.equals(r.json().get("method"));
    }

    @Override
    public void close() {
        client.disconnect().exceptionally(e -> null).join();
    }
}
