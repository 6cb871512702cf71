package dev.aichatroom.broker;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import dev.aichatroom.testing.FreePorts;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** An embedded broker open to anyone, on free loopback ports and a data directory of its own: the broker's ITs. */
final class OpenBroker implements AutoCloseable {
    private final BrokerConfig config;
    private EmbeddedBroker broker;

    private OpenBroker(BrokerConfig config) {
        this.config = config;
        this.broker = started(config);
    }

    /** MQTT over TCP only. */
    static OpenBroker tcp(Path dataDir) {
        return with(new BrokerConfig("127.0.0.1", FreePorts.next(), -1, dataDir, Map.of(), Optional.of(true)));
    }

    /** MQTT over TCP and over WebSocket. */
    static OpenBroker tcpAndWebSocket(Path dataDir) {
        return with(new BrokerConfig(
                "127.0.0.1", FreePorts.next(), FreePorts.next(), dataDir, Map.of(), Optional.of(true)));
    }

    /** {@code config} (anonymous clients allowed by it), open to every topic. */
    static OpenBroker with(BrokerConfig config) {
        return new OpenBroker(config);
    }

    private static EmbeddedBroker started(BrokerConfig config) {
        EmbeddedBroker b =
                new EmbeddedBroker(config, AccessPolicy.openToAll(), List.of(), ClientListener.NONE, List.of());
        b.start();
        return b;
    }

    EmbeddedBroker broker() {
        return broker;
    }

    int port() {
        return config.port();
    }

    int wsPort() {
        return config.wsPort();
    }

    /** An MQTT 5 client of it over TCP, not connected yet. */
    Mqtt5BlockingClient client(String clientId) {
        return MqttClient.builder()
                .useMqttVersion5()
                .identifier(clientId)
                .serverHost("127.0.0.1")
                .serverPort(port())
                .buildBlocking();
    }

    /** {@code clientId} subscribes to {@code filter} at QoS 1 in a session that outlives it (1 h), and goes away. */
    void subscribeAndLeave(String clientId, String filter) {
        Mqtt5BlockingClient away = client(clientId);
        away.connectWith().cleanStart(false).sessionExpiryInterval(3600).send();
        away.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send();
        away.disconnect();
    }

    /** {@code count} QoS 1 messages on {@code topic}, each its index as 4 bytes. */
    void publish(String clientId, String topic, int count) {
        Mqtt5BlockingClient publisher = client(clientId);
        publisher.connect();
        for (int i = 0; i < count; i++) {
            publisher
                    .publishWith()
                    .topic(topic)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(ByteBuffer.allocate(4).putInt(i).flip())
                    .send();
        }
        publisher.disconnect();
    }

    /** Stops it and starts it again on its journal: sessions and what they hold come back from disk. */
    void restart() {
        broker.close();
        broker = started(config);
    }

    @Override
    public void close() {
        broker.close();
    }
}
