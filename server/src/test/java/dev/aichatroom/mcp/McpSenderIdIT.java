package dev.aichatroom.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import dev.aichatroom.broker.AccessPolicy;
import dev.aichatroom.broker.BrokerConfig;
import dev.aichatroom.broker.ClientListener;
import dev.aichatroom.broker.EmbeddedBroker;
import dev.aichatroom.testing.FreePorts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded broker refuses an MCP PUBLISH whose {@code MCP-MQTT-CLIENT-ID} names someone other than the logged-in
 * publisher: a server trusts that property to decide whose session an {@code initialize} opens and where to answer.
 */
@Timeout(60)
class McpSenderIdIT {
    private static final String INITIALIZE = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}";

    @TempDir
    static Path dataDir;

    private static EmbeddedBroker broker;
    private static int port;

    @BeforeAll
    static void start() {
        // accounts, and anonymous clients as well, to show that only logged-in clients are held to their id
        BrokerConfig config = new BrokerConfig(
                "127.0.0.1", FreePorts.next(), -1, dataDir, Map.of("alice", "s3cret-pw"), Optional.of(true));
        broker = new EmbeddedBroker(config, AccessPolicy.openToAll(), List.of(), ClientListener.NONE, List.of());
        broker.start();
        port = config.port();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    private static Mqtt5BlockingClient connect(String clientId, boolean login) {
        Mqtt5BlockingClient client = MqttClient.builder()
                .useMqttVersion5()
                .identifier(clientId)
                .serverHost("127.0.0.1")
                .serverPort(port)
                .buildBlocking();
        var connect = client.connectWith().cleanStart(true);
        if (login) {
            connect.simpleAuth()
                    .username("alice")
                    .password("s3cret-pw".getBytes(StandardCharsets.UTF_8))
                    .applySimpleAuth();
        }
        connect.send();
        return client;
    }

    /** Publishes with QoS 1 and the given MCP-MQTT-CLIENT-IDs; the PUBACK's error reason code, if any. */
    private static Optional<Mqtt5PubAckReasonCode> publish(Mqtt5BlockingClient client, String topic, String... ids) {
        var props = com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperties.builder()
                .add("MCP-COMPONENT-TYPE", "mcp-client");
        for (String id : ids) {
            props.add("MCP-MQTT-CLIENT-ID", id);
        }
        try {
            client.publishWith()
                    .topic(topic)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(INITIALIZE.getBytes(StandardCharsets.UTF_8))
                    .userProperties(props.build())
                    .send();
            return Optional.empty();
        } catch (Mqtt5PubAckException e) {
            return Optional.of(e.getMqttMessage().getReasonCode());
        }
    }

    @Test
    void a_logged_in_client_may_not_name_another_client_on_mcp_topics() {
        Mqtt5BlockingClient alice = connect("alice-agent", true);
        try {
            String control = "$mcp-server/page-1/web-ui-hardware-controller/k3j9x";
            assertThat(publish(alice, control, "bob-agent")).contains(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
            // a second, forged copy of the property does not slip through either
            assertThat(publish(alice, control, "alice-agent", "bob-agent"))
                    .contains(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
            assertThat(publish(alice, "$mcp-rpc/alice-agent/page-1/web-ui-hardware-controller/k3j9x", "page-1"))
                    .contains(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);

            assertThat(publish(alice, control, "alice-agent")).isEmpty();
            assertThat(publish(alice, "$mcp-rpc/alice-agent/page-1/web-ui-hardware-controller/k3j9x", "alice-agent"))
                    .isEmpty();
            assertThat(publish(alice, control))
                    .as("no property: left to the receiver, which ignores it")
                    .isEmpty();
            // other topics are not about MCP
            assertThat(publish(alice, "lab/other", "bob-agent")).isEmpty();
        } finally {
            alice.disconnect();
        }
    }

    @Test
    void anonymous_loopback_clients_are_not_checked() {
        Mqtt5BlockingClient anonymous = connect("anon-agent", false);
        try {
            assertThat(publish(anonymous, "$mcp-server/page-1/web-ui-hardware-controller/k3j9x", "bob-agent"))
                    .isEmpty();
        } finally {
            anonymous.disconnect();
        }
    }
}
