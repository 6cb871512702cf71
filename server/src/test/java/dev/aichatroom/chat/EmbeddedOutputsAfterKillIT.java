package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.aichatroom.testing.FreePorts;
import dev.aichatroom.testing.ProductProcess;
import dev.aichatroom.testing.TestMqtt;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded broker's side of decision 0041: the product (one process, the embedded broker, the default) is killed
 * (SIGKILL) while a few hundred inputs a second are in flight, and started again on the same data directory. A
 * consumer with a persistent session (QoS 1) that was away meanwhile then reads what the broker's journal kept for it
 * and what the restart published: every acknowledged input must be there, and no {@code message_id} twice. Without
 * the broker's duplicate detection the restart publishes again the outputs the broker had taken and the service had
 * not marked yet (decision 0033), and the consumer gets those twice.
 */
@Timeout(300)
class EmbeddedOutputsAfterKillIT {
    private static final String OUT = "chatroom/messages/out";
    private static final String IN = "chatroom/messages/in";
    private static final int PUBLISHERS = 4;
    /** Inputs a second per publisher. */
    private static final int RATE = 100;
    /** The kill comes once this many inputs were acknowledged (about 5 s into the load). */
    private static final int KILL_AFTER = 2_000;

    private static final Pattern REPUBLISHED = Pattern.compile("Publishing (\\d+) stored message");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void a_consumer_with_a_persistent_session_gets_each_output_once_after_a_kill_under_load() throws Exception {
        assertThat(ProductProcess.JAR).as("the product jar (mvn package)").exists();
        int http = FreePorts.next();
        int mqtt = FreePorts.next();
        int ws = FreePorts.next();
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        try {
            Process first = start(http, mqtt, ws, "first.log");
            List<Mqtt5AsyncClient> publishers = new ArrayList<>();
            try {
                ProductProcess.awaitHealthy(http, first, dir);
                Mqtt5BlockingClient keeper = TestMqtt.unconnected(mqtt, "dupid-keeper");
                keeper.connectWith()
                        .cleanStart(true)
                        .sessionExpiryInterval(3600)
                        .send();
                keeper.subscribeWith()
                        .topicFilter(OUT)
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .send();
                keeper.disconnect(); // what comes now is queued for its session, in the broker's journal

                AtomicInteger sent = new AtomicInteger();
                List<Thread> loads = new ArrayList<>();
                for (int p = 0; p < PUBLISHERS; p++) {
                    Mqtt5AsyncClient publisher =
                            TestMqtt.unconnected(mqtt, "dupid-device-" + p).toAsync();
                    publisher.connect().get(60, TimeUnit.SECONDS);
                    publishers.add(publisher);
                    int id = p;
                    loads.add(Thread.ofPlatform().daemon().start(() -> load(publisher, id, acknowledged, sent)));
                }
                await().atMost(Duration.ofSeconds(120)).until(() -> acknowledged.size() >= KILL_AFTER);
            } finally {
                first.destroyForcibly(); // SIGKILL while inputs and outputs are in flight
                first.waitFor(30, TimeUnit.SECONDS);
            }
            int acknowledgedBeforeKill = acknowledged.size();

            Process second = start(http, mqtt, ws, "second.log");
            try {
                ProductProcess.awaitHealthy(http, second, dir);
                // taken after what the restart published again (ChatService.recover runs before the first input)
                Mqtt5BlockingClient device = TestMqtt.unconnected(mqtt, "dupid-last");
                device.connect();
                device.publishWith()
                        .topic(IN)
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(input("last", "last").getBytes(StandardCharsets.UTF_8))
                        .send();
                device.disconnect();

                Map<String, Integer> byId = new ConcurrentHashMap<>();
                Map<String, Integer> byText = new ConcurrentHashMap<>();
                Mqtt5BlockingClient keeper = TestMqtt.unconnected(mqtt, "dupid-keeper");
                try (Mqtt5BlockingClient.Mqtt5Publishes publishes = keeper.publishes(MqttGlobalPublishFilter.ALL)) {
                    keeper.connectWith()
                            .cleanStart(false)
                            .sessionExpiryInterval(0)
                            .send();
                    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                    while (!byText.containsKey("last") && System.nanoTime() < deadline) {
                        Optional<Mqtt5Publish> p = publishes.receive(1, TimeUnit.SECONDS);
                        p.ifPresent(m -> count(m, byId, byText));
                    }
                }
                keeper.disconnect();

                Map<String, Integer> twice = byId.entrySet().stream()
                        .filter(e -> e.getValue() > 1)
                        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
                int republished = republished(Files.readString(dir.resolve("second.log")));
                System.out.printf(
                        "EmbeddedOutputsAfterKillIT: %d inputs acknowledged before the kill, %d outputs read, %d"
                                + " message_ids, %d stored messages published again at the restart, %d message_ids"
                                + " out more than once%n",
                        acknowledgedBeforeKill,
                        byId.values().stream().mapToInt(Integer::intValue).sum(),
                        byId.size(),
                        republished,
                        twice.size());
                assertThat(byText).as("the last input came out").containsKey("last");
                assertThat(byText.keySet()).as("nothing acknowledged is lost").containsAll(acknowledged);
                assertThat(twice).as("no message_id comes out twice").isEmpty();
                assertThat(byText.values()).as("no input comes out twice").allMatch(n -> n == 1);
            } finally {
                second.destroy();
                second.waitFor(30, TimeUnit.SECONDS);
            }
        } finally {
            keepLogs();
        }
    }

    /** Publishes QoS 1 inputs at {@link #RATE} a second until the connection goes with the process. */
    private static void load(Mqtt5AsyncClient publisher, int id, Set<String> acknowledged, AtomicInteger sent) {
        long next = System.nanoTime();
        for (int n = 0; ; n++) {
            String text = "m-" + id + "-" + n;
            publisher
                    .publishWith()
                    .topic(IN)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(input(text, "k-" + id + "-" + n).getBytes(StandardCharsets.UTF_8))
                    .send()
                    .whenComplete((r, e) -> {
                        if (e == null && r.getError().isEmpty()) {
                            acknowledged.add(text);
                        }
                    });
            sent.incrementAndGet();
            next += 1_000_000_000L / RATE;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(wait);
            }
            if (!publisher.getState().isConnectedOrReconnect() || n > 100_000) {
                return;
            }
        }
    }

    private static String input(String text, String key) {
        return "{\"client_id\":\"dev-" + text + "\",\"username\":\"设备\",\"message\":\"" + text + "\",\"message_id\":\""
                + key + "\"}";
    }

    private static void count(Mqtt5Publish m, Map<String, Integer> byId, Map<String, Integer> byText) {
        try {
            JsonNode json = JSON.readTree(m.getPayloadAsBytes());
            if (json.path("type").asText().equals("user_message")) {
                byId.merge(json.path("message_id").asText(), 1, Integer::sum);
                byText.merge(json.path("content").asText(), 1, Integer::sum);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static int republished(String log) {
        Matcher m = REPUBLISHED.matcher(log);
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    private Process start(int http, int mqtt, int ws, String log) {
        return ProductProcess.startEmbedded(
                dir,
                log,
                http,
                mqtt,
                ws,
                Map.of(
                        "MQTT_MAX_QUEUED_MESSAGES", "0", // the away consumer keeps everything
                        "CHAT_RATE_PER_MINUTE", "0"));
    }

    /** The product's logs, kept in target/ (the temporary directory goes). */
    private void keepLogs() throws java.io.IOException {
        for (String log : List.of("first.log", "second.log")) {
            if (Files.exists(dir.resolve(log))) {
                Files.copy(
                        dir.resolve(log),
                        Path.of("target", "EmbeddedOutputsAfterKillIT-" + log),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
