package dev.aichatroom.bench;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One chat message at a time, over TCP: a publisher on {@code chatroom/messages/in} and a subscriber on {@code
 * chatroom/messages/out}, both QoS 1, to tell whether the chat path still works (and how fast) while the broker holds
 * many idle clients.
 */
final class ChatProbe implements AutoCloseable {
    private static final long WAIT_SECONDS = 10;

    private final String clientId;
    private final int run;
    private final Mqtt5AsyncClient subscriber;
    private final Mqtt5AsyncClient publisher;
    private final AtomicReference<Expected> expected = new AtomicReference<>();
    private int seq;

    private record Expected(int seq, CompletableFuture<Long> arrival) {}

    ChatProbe(Endpoint broker, String tag, int run) {
        this.run = run;
        this.clientId = "bench-probe-pub-" + tag;
        this.subscriber = Clients.connect(broker, "bench-probe-sub-" + tag, p -> {
            Expected e = expected.get();
            Optional<Marker> m = Marker.find(p.getPayloadAsBytes());
            if (e != null && m.isPresent() && m.get().run() == run && m.get().seq() == e.seq()) {
                e.arrival().complete(System.nanoTime());
            }
        });
        Clients.subscribe(subscriber, LoadRun.CHAT_OUT, 1);
        this.publisher = Clients.connect(broker, clientId, p -> {});
    }

    /**
     * The latencies of {@code count} messages sent one after the other; no samples ({@link LatencySummary#empty()})
     * when any of them did not arrive.
     */
    LatencySummary latencies(int count) throws InterruptedException {
        long[] latencies = new long[count];
        for (int i = 0; i < count; i++) {
            Optional<Long> l = roundTrip();
            if (l.isEmpty()) {
                return LatencySummary.empty();
            }
            latencies[i] = l.get();
        }
        return LatencySummary.of(latencies, count);
    }

    /** Sends one message; its latency in nanoseconds, or empty when it did not arrive within 10 s. */
    Optional<Long> roundTrip() throws InterruptedException {
        Expected e = new Expected(++seq, new CompletableFuture<>());
        expected.set(e);
        long sent = System.nanoTime();
        byte[] payload = new Marker(sent, run, 0, e.seq()).chatInput(clientId, "bench-probe");
        publisher
                .publishWith()
                .topic(LoadRun.CHAT_IN)
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(payload)
                .send();
        try {
            return Optional.of(e.arrival().get(WAIT_SECONDS, TimeUnit.SECONDS) - sent);
        } catch (TimeoutException | ExecutionException x) {
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        Clients.disconnect(publisher);
        Clients.disconnect(subscriber);
    }
}
