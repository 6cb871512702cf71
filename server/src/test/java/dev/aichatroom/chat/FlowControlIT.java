package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import dev.aichatroom.mqtt.Json;
import dev.aichatroom.testing.Mosquitto;
import dev.aichatroom.testing.TestProduct;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Flow control against Debian's Mosquitto 2.0.11, which (before 2.0.13) sends a client more unacknowledged QoS 1
 * messages than the client's Receive Maximum allows: a burst far larger than the limit, and a backlog queued in the
 * service's persistent session while it was down, both come out on {@code messages/out} once each. (Mosquitto 2.0.11
 * still overruns a window of 65,535 once it fills: a backlog larger than that loops; docs/deployment.md.)
 */
@Timeout(300)
@TestMethodOrder(MethodOrderer.MethodName.class)
class FlowControlIT {
    private static Mosquitto mosquitto;
    private static TestProduct product;
    private static Mqtt5AsyncClient observer;
    private static final Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() {
        mosquitto = Mosquitto.start(true, "max_queued_messages 0\n");
        product = TestProduct.start(Map.of(
                "MQTT_BROKER", "127.0.0.1",
                "MQTT_PORT", Integer.toString(mosquitto.port()),
                "MQTT_CLIENT_ID", "chat-service-flow",
                "CHAT_RATE_PER_MINUTE", "0"));
        observer = MqttClient.builder()
                .useMqttVersion5()
                .identifier("flow-observer")
                .serverHost("127.0.0.1")
                .serverPort(mosquitto.port())
                .buildAsync();
        observer.publishes(
                MqttGlobalPublishFilter.ALL,
                p -> Json.tree(p.getPayloadAsBytes())
                        .map(j -> j.path("content").asText())
                        .ifPresent(text -> seen.computeIfAbsent(text, t -> new AtomicInteger())
                                .incrementAndGet()));
        observer.connect().join();
        observer.subscribeWith()
                .topicFilter("chatroom/messages/out")
                .qos(MqttQos.AT_MOST_ONCE)
                .send()
                .join();
    }

    @AfterAll
    static void stop() {
        observer.disconnect();
        product.close();
        mosquitto.close();
    }

    @Test
    void a_burst_ten_times_the_old_receive_maximum_comes_out_once_each() {
        int n = 30_000;
        publish("burst", n);
        assertAllOnce("burst", n, Duration.ofSeconds(120));
        assertThat(product.get("/health").statusCode()).isEqualTo(200);
    }

    @Test
    void a_backlog_of_50000_inputs_queued_while_the_service_was_down_drains() {
        int n = 50_000;
        product.stop();
        publish("backlog", n);
        product.restart();
        assertAllOnce("backlog", n, Duration.ofSeconds(200));
    }

    /** {@code n} QoS 1 inputs from one publisher, at most 2,000 unacknowledged at once, all acknowledged. */
    private static void publish(String run, int n) {
        Mqtt5AsyncClient publisher = MqttClient.builder()
                .useMqttVersion5()
                .identifier("flow-pub-" + run)
                .serverHost("127.0.0.1")
                .serverPort(mosquitto.port())
                .buildAsync();
        publisher.connect().join();
        Semaphore window = new Semaphore(2_000);
        List<CompletableFuture<?>> acks = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            window.acquireUninterruptibly();
            String payload =
                    "{\"client_id\":\"flow-" + run + "\",\"username\":\"f\",\"message\":\"" + run + "-" + i + "\"}";
            acks.add(publisher
                    .publishWith()
                    .topic("chatroom/messages/in")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(payload.getBytes(StandardCharsets.UTF_8))
                    .send()
                    .whenComplete((r, e) -> window.release()));
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new))
                .orTimeout(60, TimeUnit.SECONDS)
                .join();
        publisher.disconnect().join();
    }

    private static void assertAllOnce(String run, int n, Duration within) {
        await().atMost(within)
                .pollInterval(Duration.ofMillis(500))
                .until(() -> seen.keySet().stream()
                                .filter(k -> k.startsWith(run + "-"))
                                .count()
                        == n);
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> true);
        long duplicated = seen.entrySet().stream()
                .filter(e -> e.getKey().startsWith(run + "-") && e.getValue().get() > 1)
                .count();
        assertThat(duplicated).as("inputs published more than once").isZero();
    }
}
