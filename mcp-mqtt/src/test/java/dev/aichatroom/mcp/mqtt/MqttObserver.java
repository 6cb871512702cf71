package dev.aichatroom.mcp.mqtt;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscribe;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscription;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * An independent MQTT 5 client that records the MCP traffic it sees ({@code $mcp-server/#}, {@code $mcp-client/#},
 * {@code $mcp-rpc/#} by default), with retain-as-published so retain flags of live messages are visible.
 */
final class MqttObserver implements AutoCloseable {

    /** One observed PUBLISH. */
    record Seen(String topic, byte[] payload, boolean retain, MqttQos qos, Map<String, String> userProperties) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        String property(String name) {
            return userProperties.get(name);
        }
    }

    private final Mqtt5AsyncClient client;
    private final List<Seen> seen = new CopyOnWriteArrayList<>();

    private MqttObserver(MqttConnectionConfig connection, List<String> filters) {
        client = MqttClient.builder()
                .useMqttVersion5()
                .identifier("observer-" + UUID.randomUUID().toString().substring(0, 8))
                .serverHost(connection.host())
                .serverPort(connection.port())
                .buildAsync();
        client.publishes(MqttGlobalPublishFilter.ALL, p -> {
            Map<String, String> props = new LinkedHashMap<>();
            p.getUserProperties()
                    .asList()
                    .forEach(u -> props.put(u.getName().toString(), u.getValue().toString()));
            seen.add(new Seen(p.getTopic().toString(), p.getPayloadAsBytes(), p.isRetain(), p.getQos(), props));
        });
        client.connect().join();
        client.subscribe(Mqtt5Subscribe.builder()
                        .addSubscriptions(filters.stream()
                                .map(f -> Mqtt5Subscription.builder()
                                        .topicFilter(f)
                                        .qos(MqttQos.AT_LEAST_ONCE)
                                        .retainAsPublished(true)
                                        .build())
                                .toList())
                        .build())
                .join();
    }

    static MqttObserver start(MqttConnectionConfig connection) {
        return new MqttObserver(connection, List.of("$mcp-server/#", "$mcp-client/#", "$mcp-rpc/#"));
    }

    static MqttObserver start(MqttConnectionConfig connection, String... filters) {
        return new MqttObserver(connection, List.of(filters));
    }

    List<Seen> messages() {
        return List.copyOf(seen);
    }

    List<Seen> on(String topic) {
        return matching(s -> s.topic().equals(topic));
    }

    List<Seen> matching(Predicate<Seen> filter) {
        return seen.stream().filter(filter).toList();
    }

    @Override
    public void close() {
        client.disconnect().exceptionally(e -> null).join();
    }
}
