package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import dev.aichatroom.mqtt.Json;
import dev.aichatroom.testing.Bursts;
import dev.aichatroom.testing.TestProduct;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One publisher's QoS 1 messages reach every subscriber in the order it sent them, on the embedded broker with its
 * journal on (issue 12, MQTT 5 §4.6; every MQTT 5 subscription is a durable queue on Artemis, as the service's is).
 * Artemis 2.55 on its own swapped some whenever several clients published as fast as they could (ARTEMIS-6191): it
 * handled a connection's packets on whichever pool thread was free and waited for the journal on that thread's own
 * storage context, both when adding a publish to its queues and when writing a delivery to the socket, so two messages
 * of one publisher could come out in either order. {@code BrokerHooks} ties both to the client's own context
 * (decision 0032). Four publishers, 2,500 messages each, sent without waiting for acknowledgements.
 */
@Timeout(240)
class PublisherOrderIT {
    private static final int PUBLISHERS = 4;
    private static final int EACH = 2_500;
    private static TestProduct product;

    @BeforeAll
    static void start() {
        product = TestProduct.start(Map.of(
                "CHAT_RATE_PER_MINUTE", "0",
                "VOICE_ENABLE", "false",
                "MCP_ENABLE", "false",
                // the test's subscribers may fall behind a 10,000-message burst: none of it may be dropped for them
                "MQTT_MAX_QUEUED_MESSAGES", "100000"));
        await().atMost(Duration.ofSeconds(120))
                .until(() -> product.get("/health").statusCode() == 200);
    }

    @AfterAll
    static void stop() {
        if (product != null) {
            product.close();
        }
    }

    /** The broker alone: before the fix 25 of 10,000 came behind a later message of the same publisher. */
    @Test
    void each_publishers_burst_reaches_a_persistent_subscriber_in_the_order_it_was_sent() throws Exception {
        String topic = "order/raw";
        List<String> received = new CopyOnWriteArrayList<>();
        Mqtt5AsyncClient subscriber = client("order-raw-subscriber");
        subscriber.publishes(
                MqttGlobalPublishFilter.ALL,
                p -> received.add(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)));
        subscriber.connect().get(30, TimeUnit.SECONDS);
        subscriber
                .subscribeWith()
                .topicFilter(topic)
                .qos(MqttQos.AT_LEAST_ONCE)
                .send()
                .get(30, TimeUnit.SECONDS);

        publishAll("order-raw-", topic, (p, i) -> p + ":" + i);

        await().atMost(Duration.ofSeconds(120)).until(() -> received.size() >= PUBLISHERS * EACH);
        subscriber.disconnect().get(10, TimeUnit.SECONDS);
        assertThat(received).as("each once").hasSize(PUBLISHERS * EACH).doesNotHaveDuplicates();
        assertThat(Bursts.behindALaterOne(received))
                .as("messages delivered behind a later one of the same publisher")
                .isZero();
    }

    /**
     * Through the chat path: the service's shared subscription with its persistent session, its store, and its
     * publishes on {@code messages/out} to a subscriber. Before the fix 179 of 10,000 came out behind a later one of
     * the same publisher; with only the publish side fixed, 1-255, and up to 159 already stored so (the deliveries to
     * the service were written to its socket swapped).
     */
    @Test
    void each_publishers_chat_messages_are_stored_and_published_in_the_order_it_sent_them() throws Exception {
        List<String> out = new CopyOnWriteArrayList<>();
        List<String> ids = new CopyOnWriteArrayList<>();
        Mqtt5AsyncClient observer = client("order-chat-observer");
        observer.publishes(
                MqttGlobalPublishFilter.ALL,
                p -> Json.tree(p.getPayloadAsBytes())
                        .filter(j -> j.path("type").asText().equals("user_message"))
                        .ifPresent(j -> {
                            out.add(j.path("content").asText());
                            ids.add(j.path("message_id").asText());
                        }));
        observer.connect().get(30, TimeUnit.SECONDS);
        observer.subscribeWith()
                .topicFilter("chatroom/messages/out")
                .qos(MqttQos.AT_LEAST_ONCE)
                .send()
                .get(30, TimeUnit.SECONDS);

        publishAll(
                "order-chat-",
                "chatroom/messages/in",
                (p, i) -> "{\"client_id\":\"order-chat-" + p + "\",\"username\":\"order" + p + "\",\"message\":\"" + p
                        + ":" + i + "\"}");

        await().atMost(Duration.ofSeconds(180)).until(() -> out.size() >= PUBLISHERS * EACH);
        observer.disconnect().get(10, TimeUnit.SECONDS);
        List<String> stored = stored(product);
        assertThat(stored).as("each stored once").hasSize(PUBLISHERS * EACH).doesNotHaveDuplicates();
        assertThat(out).as("each published once").hasSize(PUBLISHERS * EACH).doesNotHaveDuplicates();
        assertThat(Bursts.behindALaterOne(stored))
                .as("messages stored behind a later one of the same publisher")
                .isZero();
        assertThat(Bursts.behindALaterOne(out))
                .as("messages published behind a later one of the same publisher")
                .isZero();
        // the service publishes in the order it stored, which its message_ids (UUIDv7, monotonic) say
        assertThat(ids).as("message_ids as received").isSorted();
    }

    private static void publishAll(String prefix, String topic, Bursts.PayloadOf payload) throws Exception {
        Bursts.publishAll(product.mqttPort(), prefix, topic, PUBLISHERS, EACH, payload);
    }

    private static Mqtt5AsyncClient client(String id) {
        return MqttClient.builder()
                .useMqttVersion5()
                .identifier(id)
                .serverHost("127.0.0.1")
                .serverPort(product.mqttPort())
                .buildAsync();
    }

    private static List<String> stored(TestProduct product) throws Exception {
        List<String> stored = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(
                        "jdbc:sqlite:" + product.dataDir().resolve("chatroom.db"));
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT content FROM messages WHERE client_id LIKE 'order-chat-%' ORDER BY seq")) {
            while (rs.next()) {
                stored.add(rs.getString(1));
            }
        }
        return stored;
    }
}
