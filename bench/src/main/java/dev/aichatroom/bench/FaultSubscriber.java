package dev.aichatroom.bench;

import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import java.nio.charset.StandardCharsets;
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
    private final ArrivalLog log = new ArrivalLog(true);

    FaultSubscriber(int run, String clientId, Endpoint broker) {
        this.run = run;
        this.client =
                Clients.connectPersistent(broker, clientId, p -> record(p.getPayloadAsBytes(), System.nanoTime()));
        Clients.subscribe(client, LoadRun.CHAT_OUT, 1);
    }

    private void record(byte[] payload, long at) {
        Marker m = Marker.find(payload).orElse(null);
        if (m == null || m.run() != run) {
            return;
        }
        String id = messageId(payload);
        synchronized (this) {
            log.add(m, at, id);
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
        return log.snapshot();
    }

    @Override
    public void close() {
        Clients.stop(client);
    }
}
