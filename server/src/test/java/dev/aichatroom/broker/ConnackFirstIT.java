package dev.aichatroom.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import dev.aichatroom.testing.FreePorts;
import dev.aichatroom.testing.RawMqtt;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * [MQTT-3.2.0-1]: the first packet the broker sends on a connection is the CONNACK, also when the session resumed holds
 * messages that go out at once. A client that gets a PUBLISH first must close the connection (the HiveMQ client does:
 * "PUBLISH message must not be received before CONNACK"), so a device whose session holds a backlog would never get in.
 */
@Timeout(180)
class ConnackFirstIT {
    @TempDir
    static Path dataDir;

    private static EmbeddedBroker broker;
    private static BrokerConfig config;
    private static int port;

    @BeforeAll
    static void start() {
        config = new BrokerConfig("127.0.0.1", FreePorts.next(), -1, dataDir, Map.of(), Optional.of(true));
        port = config.port();
        broker = new EmbeddedBroker(config, AccessPolicy.openToAll(), List.of(), ClientListener.NONE, List.of());
        broker.start();
    }

    /** The same broker again, on its journal: sessions and what they hold come back from disk. */
    private static void restart() {
        broker.close();
        broker = new EmbeddedBroker(config, AccessPolicy.openToAll(), List.of(), ClientListener.NONE, List.of());
        broker.start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void a_session_resumed_with_a_backlog_gets_its_connack_before_any_message() {
        Mqtt5BlockingClient keeper = client("backlog-keeper");
        keeper.connectWith().cleanStart(true).sessionExpiryInterval(3600).send();
        keeper.subscribeWith()
                .topicFilter("backlog/topic")
                .qos(MqttQos.AT_LEAST_ONCE)
                .send();
        keeper.disconnect();
        Mqtt5BlockingClient publisher = client("backlog-publisher");
        publisher.connect();
        for (int i = 0; i < 500; i++) {
            publisher
                    .publishWith()
                    .topic("backlog/topic")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(new byte[256])
                    .send();
        }
        publisher.disconnect();
        List<String> wrong = new ArrayList<>();
        for (int attempt = 0; attempt < 300; attempt++) {
            if (attempt % 15 == 0) {
                restart(); // the first resume after a start too
            }
            int first = RawMqtt.firstPacketOnResume(port, "backlog-keeper");
            if (first != 0x20) {
                wrong.add("attempt " + attempt + ": 0x" + Integer.toHexString(first));
            }
        }
        assertThat(wrong).as("resumes whose first packet was not the CONNACK").isEmpty();
    }

    private static Mqtt5BlockingClient client(String id) {
        return MqttClient.builder()
                .useMqttVersion5()
                .identifier(id)
                .serverHost("127.0.0.1")
                .serverPort(port)
                .buildBlocking();
    }
}
