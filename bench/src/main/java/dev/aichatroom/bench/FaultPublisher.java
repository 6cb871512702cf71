package dev.aichatroom.bench;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.BitSet;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A device that keeps its session across connection losses: QoS 1, a persistent session, automatic reconnect, so an
 * input whose PUBACK was not received is sent again by the client (as MQTT 5 requires) once the session resumes. An
 * input counts as <em>acknowledged</em> when its PUBACK came back without an error; one that failed (the broker lost
 * the session) is not counted, and another is sent in its place at the end.
 */
final class FaultPublisher implements AutoCloseable {
    /** Publishes awaiting their PUBACK at once, in the burst. */
    private static final int IN_FLIGHT = 1_000;

    private final int index;
    private final int run;
    private final String clientId;
    private final boolean withMessageId;
    private final Mqtt5AsyncClient client;
    private final BitSet acked = new BitSet();
    private final AtomicLong pending = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final Semaphore window = new Semaphore(IN_FLIGHT);
    private int sent;

    /** @param withMessageId whether its inputs carry a {@code message_id} (PROTOCOL.md §1.2) */
    FaultPublisher(int index, int run, String clientId, Endpoint broker, boolean withMessageId) {
        this.index = index;
        this.run = run;
        this.clientId = clientId;
        this.withMessageId = withMessageId;
        // its id is new: nothing to resume, and reconnects keep the session
        this.client = Clients.connectPersistent(broker, clientId, p -> {});
    }

    /** Open loop at {@code interval} until {@code count} inputs are sent; returns when they are. */
    void runFixedRate(long first, long interval, int count) {
        for (int i = 0; i < count; i++) {
            long due = first + i * interval;
            for (long left = due - System.nanoTime(); left > 0; left = due - System.nanoTime()) {
                LockSupport.parkNanos(left);
            }
            send(due);
        }
    }

    /** As fast as the broker acknowledges, at most {@link #IN_FLIGHT} awaiting their PUBACK. */
    void runBurst(int count) throws InterruptedException {
        for (int i = 0; i < count; i++) {
            window.acquire();
            send(System.nanoTime());
        }
    }

    private void send(long sentNanos) {
        int seq = sent++;
        Marker marker = new Marker(sentNanos, run, index, seq);
        String id = withMessageId ? ",\"message_id\":\"" + UUID.randomUUID() + "\"" : "";
        byte[] payload = ("{\"client_id\":\"" + clientId + "\",\"username\":\"fault-" + index + "\",\"message\":\""
                        + marker.text() + "\"" + id + "}")
                .getBytes(StandardCharsets.UTF_8);
        pending.incrementAndGet();
        client.publishWith()
                .topic(LoadRun.CHAT_IN)
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(payload)
                .send()
                .whenComplete((result, error) -> {
                    if (error == null && result.getError().isEmpty()) {
                        synchronized (acked) {
                            acked.set(seq);
                        }
                    } else {
                        failed.incrementAndGet();
                    }
                    pending.decrementAndGet();
                    window.release();
                });
    }

    /** Waits until every publish has its outcome; false if some have none after {@code timeout}. */
    boolean awaitOutcomes(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (pending.get() > 0) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    int sent() {
        return sent;
    }

    long failed() {
        return failed.get();
    }

    long pending() {
        return pending.get();
    }

    int ackedCount() {
        synchronized (acked) {
            return acked.cardinality();
        }
    }

    BitSet acked() {
        synchronized (acked) {
            return (BitSet) acked.clone();
        }
    }

    @Override
    public void close() {
        Clients.stop(client);
    }
}
