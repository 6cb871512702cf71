package dev.aichatroom.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The consumer of {@code messages/out}: QoS 1, a persistent session, automatic reconnect (the client subscribes again
 * when the broker lost its session), recording every arrival in order with the output's {@code message_id}.
 */
final class FaultSubscriber implements AutoCloseable {
    private static final byte[] ID = "\"message_id\":\"".getBytes(StandardCharsets.US_ASCII);

    private final int run;
    private final Mqtt5AsyncClient client;
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong lastArrival = new AtomicLong(System.nanoTime());
    private int size;
    private int[] pubs = new int[1 << 16];
    private int[] seqs = new int[1 << 16];
    private long[] sent = new long[1 << 16];
    private long[] arrived = new long[1 << 16];
    private String[] ids = new String[1 << 16];

    FaultSubscriber(int run, String clientId, Endpoint broker) {
        this.run = run;
        this.client = MqttClient.builder()
                .useMqttVersion5()
                .identifier(clientId)
                .serverHost(broker.host())
                .serverPort(broker.port())
                .automaticReconnect()
                .initialDelay(100, TimeUnit.MILLISECONDS)
                .maxDelay(1, TimeUnit.SECONDS)
                .applyAutomaticReconnect()
                .buildAsync();
        client.publishes(MqttGlobalPublishFilter.ALL, p -> record(p.getPayloadAsBytes(), System.nanoTime()));
        try {
            client.connectWith()
                    .cleanStart(false)
                    .sessionExpiryInterval(3_600)
                    .send()
                    .get(Clients.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            client.subscribeWith()
                    .topicFilter(LoadRun.CHAT_OUT)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send()
                    .get(Clients.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new BenchException("the fault subscriber could not connect and subscribe: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted", e);
        }
    }

    private void record(byte[] payload, long at) {
        Marker m = Marker.find(payload).orElse(null);
        if (m == null || m.run() != run) {
            return;
        }
        String id = messageId(payload);
        synchronized (this) {
            if (size == pubs.length) {
                int n = size * 2;
                pubs = Arrays.copyOf(pubs, n);
                seqs = Arrays.copyOf(seqs, n);
                sent = Arrays.copyOf(sent, n);
                arrived = Arrays.copyOf(arrived, n);
                ids = Arrays.copyOf(ids, n);
            }
            pubs[size] = m.publisher();
            seqs[size] = m.seq();
            sent[size] = m.sentNanos();
            arrived[size] = at;
            ids[size] = id;
            size++;
        }
        received.incrementAndGet();
        lastArrival.set(at);
    }

    static String messageId(byte[] payload) {
        outer:
        for (int i = 0; i + ID.length <= payload.length; i++) {
            for (int j = 0; j < ID.length; j++) {
                if (payload[i + j] != ID[j]) {
                    continue outer;
                }
            }
            int start = i + ID.length;
            int end = start;
            while (end < payload.length && payload[end] != '"') {
                end++;
            }
            return new String(payload, start, end - start, StandardCharsets.US_ASCII);
        }
        return "";
    }

    long received() {
        return received.get();
    }

    long lastArrivalNanos() {
        return lastArrival.get();
    }

    /** Everything received so far, in arrival order. */
    synchronized FaultAnalysis.Arrivals arrivals() {
        return new FaultAnalysis.Arrivals(
                Arrays.copyOf(pubs, size),
                Arrays.copyOf(seqs, size),
                Arrays.copyOf(sent, size),
                Arrays.copyOf(arrived, size),
                Arrays.copyOf(ids, size));
    }

    @Override
    public void close() {
        try {
            client.disconnect().get(5, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // over anyway
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
