package dev.aichatroom.bench;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One publisher of a run, driven by its own platform thread: the HiveMQ client's publish path can block in
 * {@code synchronized}, so it is never called from an MQTT callback or a virtual thread. After the thread has ended,
 * its counters are read by the thread that joined it.
 */
final class Publisher {
    /** A publisher whose window stays closed this long has lost messages; it stops instead of hanging the run. */
    static final long STALL_MILLIS = 5_000;

    private final int index;
    private final int run;
    private final String clientId;
    private final Mqtt5AsyncClient client;
    private final List<String> topics;
    private final MqttQos qos;
    private final AtomicLong pending = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private int sent;
    private int measuredFrom = -1;
    private boolean stalled;

    /** @param topics where message {@code seq} goes: topic {@code (index + seq) % size}, the rooms in turn */
    Publisher(int index, int run, String clientId, Endpoint broker, List<String> topics, int qos) {
        this.index = index;
        this.run = run;
        this.clientId = clientId;
        this.topics = List.copyOf(topics);
        this.qos = Clients.qos(qos);
        // only the chat service's private error replies reach a publisher; count them
        this.client = Clients.connect(broker, clientId, p -> rejected.incrementAndGet());
    }

    String clientId() {
        return clientId;
    }

    Mqtt5AsyncClient client() {
        return client;
    }

    /** Open loop: message {@code seq} is due at {@code first + seq * interval}, whatever happened before it. */
    void runFixedRate(long first, long interval, long measureStart, long end) {
        for (int seq = 0; ; seq++) {
            long due = first + seq * interval;
            if (due >= end) {
                break;
            }
            sleepUntil(due);
            markPhase(seq, due >= measureStart);
            send(seq, due);
        }
    }

    /** Closed loop: as fast as the window lets through, until {@code end}. */
    void runWindowed(Window window, long measureStart, long end) throws InterruptedException {
        for (int seq = 0; ; seq++) {
            if (!window.acquire(index, STALL_MILLIS)) {
                stalled = true;
                break;
            }
            long now = System.nanoTime();
            if (now >= end) {
                window.release(index);
                break;
            }
            markPhase(seq, now >= measureStart);
            send(seq, now);
        }
    }

    private void markPhase(int seq, boolean measured) {
        if (measured && measuredFrom < 0) {
            measuredFrom = seq;
        }
    }

    private void send(int seq, long sentNanos) {
        byte[] payload = new Marker(sentNanos, run, index, seq).chatInput(clientId, "bench-" + index);
        pending.incrementAndGet();
        String topic = topics.get((index + seq) % topics.size());
        client.publishWith().topic(topic).qos(qos).payload(payload).send().whenComplete((result, error) -> {
            if (error != null || result.getError().isPresent()) {
                errors.incrementAndGet();
            }
            pending.decrementAndGet();
        });
        sent = seq + 1;
    }

    private static void sleepUntil(long deadline) {
        for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }

    int sent() {
        return sent;
    }

    /** First sequence number of the measured phase; {@link #sent()} when nothing was sent in it. */
    int measuredFrom() {
        return measuredFrom < 0 ? sent : measuredFrom;
    }

    /** One past the last sequence number of the measured phase, which lasts to the end of the run. */
    int measuredTo() {
        return sent;
    }

    boolean stalled() {
        return stalled;
    }

    long pending() {
        return pending.get();
    }

    long errors() {
        return errors.get();
    }

    long rejected() {
        return rejected.get();
    }
}
