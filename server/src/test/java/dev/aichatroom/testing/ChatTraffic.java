package dev.aichatroom.testing;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import dev.aichatroom.mqtt.Json;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * Bulk chat traffic through a broker for the delivery tests (each input once, in order, over broker restarts): many
 * QoS 1 inputs on {@code chatroom/messages/in} from one publisher, a client that watches {@code chatroom/messages/out},
 * and the wait for all outputs.
 */
public final class ChatTraffic {
    private static final String IN = "chatroom/messages/in";
    private static final String OUT = "chatroom/messages/out";

    /** How an output watcher's session lives. */
    public enum Session {
        /** Clean start, no reconnect: what the broker routes while the watcher is connected. */
        CLEAN,
        /** Keeps its session (10 minutes) and reconnects within a second, so a broker restart loses nothing. */
        PERSISTENT
    }

    private ChatTraffic() {}

    /**
     * Publishes {@code n} QoS 1 inputs, the {@code i}th with payload {@code payload.apply(i)}, at most {@code window}
     * unacknowledged at once, and returns once all are acknowledged (2 minutes at most).
     */
    public static void publishInputs(int port, String clientId, int n, int window, IntFunction<String> payload) {
        Mqtt5AsyncClient publisher = MqttClient.builder()
                .useMqttVersion5()
                .identifier(clientId)
                .serverHost("127.0.0.1")
                .serverPort(port)
                .buildAsync();
        publisher.connect().join();
        Semaphore inFlight = new Semaphore(window);
        List<CompletableFuture<?>> acks = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            inFlight.acquireUninterruptibly();
            acks.add(publisher
                    .publishWith()
                    .topic(IN)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(payload.apply(i).getBytes(StandardCharsets.UTF_8))
                    .send()
                    .whenComplete((r, e) -> inFlight.release()));
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new))
                .orTimeout(120, TimeUnit.SECONDS)
                .join();
        publisher.disconnect().join();
    }

    /** A connected client subscribed to {@code messages/out} at {@code qos}, handing each JSON output to {@code onOutput}. */
    public static Mqtt5AsyncClient watchOutputs(
            int port, String clientId, Session session, MqttQos qos, Consumer<JsonNode> onOutput) {
        Mqtt5ClientBuilder builder = MqttClient.builder()
                .useMqttVersion5()
                .identifier(clientId)
                .serverHost("127.0.0.1")
                .serverPort(port);
        if (session == Session.PERSISTENT) {
            builder = builder.automaticReconnect()
                    .initialDelay(100, TimeUnit.MILLISECONDS)
                    .maxDelay(1, TimeUnit.SECONDS)
                    .applyAutomaticReconnect();
        }
        Mqtt5AsyncClient watcher = builder.buildAsync();
        watcher.publishes(
                MqttGlobalPublishFilter.ALL,
                p -> Json.tree(p.getPayloadAsBytes()).ifPresent(onOutput));
        if (session == Session.PERSISTENT) {
            watcher.connectWith()
                    .cleanStart(false)
                    .sessionExpiryInterval(600)
                    .send()
                    .join();
        } else {
            watcher.connect().join();
        }
        watcher.subscribeWith().topicFilter(OUT).qos(qos).send().join();
        return watcher;
    }

    /**
     * Waits up to {@code within} for {@code done}, then two seconds more, so that outputs that come out twice have
     * time to show.
     */
    public static void awaitAllThenSettle(Duration within, Callable<Boolean> done) {
        await().atMost(within).pollInterval(Duration.ofMillis(500)).until(done);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> true);
    }
}
