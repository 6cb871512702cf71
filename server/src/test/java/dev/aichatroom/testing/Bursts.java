package dev.aichatroom.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;

/** Publishers racing each other at QoS 1 with stock HiveMQ clients, for the broker's order and routing tests. */
public final class Bursts {
    private Bursts() {}

    /** A message's payload from its publisher's number and its index. */
    @FunctionalInterface
    public interface PayloadOf {
        String of(int publisher, int index);
    }

    /**
     * Each publisher on its own connection and thread sends its {@code each} messages at once, QoS 1, without waiting
     * for acknowledgements; returns once all are acknowledged.
     */
    public static void publishAll(int port, String prefix, String topic, int publishers, int each, PayloadOf payload)
            throws Exception {
        List<Mqtt5AsyncClient> clients = new ArrayList<>();
        for (int p = 0; p < publishers; p++) {
            Mqtt5AsyncClient publisher = MqttClient.builder()
                    .useMqttVersion5()
                    .identifier(prefix + p)
                    .serverHost("127.0.0.1")
                    .serverPort(port)
                    .buildAsync();
            publisher.connect().get(30, TimeUnit.SECONDS);
            clients.add(publisher);
        }
        Queue<CompletableFuture<?>> acks = new ConcurrentLinkedQueue<>();
        List<Thread> senders = new ArrayList<>();
        for (int p = 0; p < publishers; p++) {
            int publisher = p;
            senders.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < each; i++) {
                    acks.add(clients.get(publisher)
                            .publishWith()
                            .topic(topic)
                            .qos(MqttQos.AT_LEAST_ONCE)
                            .payload(payload.of(publisher, i).getBytes(StandardCharsets.UTF_8))
                            .send());
                }
            }));
        }
        for (Thread sender : senders) {
            assertThat(sender.join(Duration.ofSeconds(60))).as("sent").isTrue();
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        for (Mqtt5AsyncClient publisher : clients) {
            publisher.disconnect().get(10, TimeUnit.SECONDS);
        }
    }

    /** Messages ({@code publisher:index}) that came after a later one of the same publisher. */
    public static int behindALaterOne(List<String> messages) {
        Map<String, Integer> highest = new HashMap<>();
        int behind = 0;
        for (String m : messages) {
            String[] parts = m.split(":");
            int index = Integer.parseInt(parts[1]);
            Integer before = highest.get(parts[0]);
            if (before != null && index < before) {
                behind++;
            } else {
                highest.put(parts[0], index);
            }
        }
        return behind;
    }

    /**
     * {@code publishers} clients send one QoS 1 message each to every topic in turn, all at the same moment (a barrier
     * per topic), each send returning on its PUBACK; the first publisher runs {@code alongside} for each topic just
     * before it publishes.
     *
     * @return the payloads acknowledged
     */
    public static Set<String> raceToTopics(
            int port, String prefix, int publishers, int topics, IntFunction<String> topic, IntConsumer alongside)
            throws Exception {
        Set<String> sent = ConcurrentHashMap.newKeySet();
        CyclicBarrier barrier = new CyclicBarrier(publishers);
        List<CompletableFuture<Void>> done = new ArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(publishers);
        for (int p = 0; p < publishers; p++) {
            int publisher = p;
            Mqtt5BlockingClient client = MqttClient.builder()
                    .useMqttVersion5()
                    .identifier(prefix + "-pub-" + p)
                    .serverHost("127.0.0.1")
                    .serverPort(port)
                    .buildBlocking();
            client.connect();
            done.add(CompletableFuture.runAsync(
                    () -> {
                        try {
                            for (int i = 0; i < topics; i++) {
                                barrier.await(30, TimeUnit.SECONDS);
                                if (publisher == 0) {
                                    alongside.accept(i);
                                }
                                String payload = "p" + publisher + "-" + i;
                                client.publishWith()
                                        .topic(topic.apply(i))
                                        .qos(MqttQos.AT_LEAST_ONCE)
                                        .payload(payload.getBytes(StandardCharsets.UTF_8))
                                        .send();
                                sent.add(payload);
                            }
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        } finally {
                            client.disconnect();
                        }
                    },
                    threads));
        }
        try {
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        } finally {
            threads.shutdownNow();
        }
        return sent;
    }

    /** A client subscribed to {@code filter} at QoS 1 that hands each message's payload, as text, to {@code sink}. */
    public static Mqtt5BlockingClient subscriber(int port, String id, String filter, Consumer<String> sink) {
        Mqtt5BlockingClient client = MqttClient.builder()
                .useMqttVersion5()
                .identifier(id)
                .serverHost("127.0.0.1")
                .serverPort(port)
                .buildBlocking();
        client.connect();
        client.toAsync()
                .publishes(
                        MqttGlobalPublishFilter.ALL,
                        p -> sink.accept(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)));
        client.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send();
        return client;
    }
}
