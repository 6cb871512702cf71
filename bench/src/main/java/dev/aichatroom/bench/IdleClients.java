package dev.aichatroom.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientExecutorConfig;
import com.hivemq.client.mqtt.MqttClientTransportConfig;
import com.hivemq.client.mqtt.MqttClientTransportConfigBuilder;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Many idle MQTT 5 clients of the connections part: HiveMQ clients (clean start, session expiry 0, keep-alive 60 s, no
 * reconnect) that all share one small Netty event loop group, so that thousands of connections cost the bench a
 * handful of threads; the client also answers the broker's keep-alive for us. Connects and disconnects are issued with
 * at most {@code inFlight} awaiting their answer, so the broker sees a steady stream rather than a SYN flood.
 */
final class IdleClients {
    /** A connect that neither fails nor succeeds within this long counts as failed. */
    private static final long CONNECT_TIMEOUT_SECONDS = 30;

    static final String TCP = "TCP";
    static final String WEBSOCKET = "WebSocket";

    /** What one phase (connect or disconnect) of all the clients gave: how many made it and how long it took. */
    record Phase(int succeeded, int failed, long nanos, String firstError) {}

    private final ExecutorService loopThreads;
    private final MqttClientExecutorConfig executorConfig;
    private final List<Mqtt5AsyncClient> connected = Collections.synchronizedList(new ArrayList<>());

    IdleClients() {
        loopThreads = Executors.newThreadPerTaskExecutor(
                Thread.ofPlatform().daemon().name("bench-idle-", 0).factory());
        executorConfig = MqttClientExecutorConfig.builder()
                .nettyExecutor(loopThreads)
                .nettyThreads(Math.max(2, Runtime.getRuntime().availableProcessors()))
                .build();
    }

    /**
     * Opens {@code count} clients with ids {@code idPrefix + i}; returns once each has its CONNACK or has failed.
     * Stops early (counting the rest as failed) when more than a tenth have failed: the broker is not coping.
     */
    Phase connect(Endpoint broker, String transport, int count, int inFlight, String idPrefix)
            throws InterruptedException {
        int giveUpAfter = Math.max(10, count / 10);
        AtomicInteger failed = new AtomicInteger();
        AtomicReference<String> firstError = new AtomicReference<>("");
        MqttClientTransportConfig transportConfig = transportConfig(broker, transport);
        long t0 = System.nanoTime();
        int issued = run(count, inFlight, failed, firstError, giveUpAfter, i -> {
            Mqtt5AsyncClient client = MqttClient.builder()
                    .useMqttVersion5()
                    .identifier(idPrefix + i)
                    .executorConfig(executorConfig)
                    .transportConfig(transportConfig)
                    .buildAsync();
            return client.connectWith()
                    .cleanStart(true)
                    .sessionExpiryInterval(0)
                    .keepAlive(60)
                    .send()
                    .thenRun(() -> connected.add(client));
        });
        long nanos = System.nanoTime() - t0;
        return new Phase(issued - failed.get(), failed.get() + count - issued, nanos, firstError.get());
    }

    /** Disconnects every connected client (a DISCONNECT each, then the socket closes). */
    Phase disconnectAll(int inFlight) throws InterruptedException {
        List<Mqtt5AsyncClient> all;
        synchronized (connected) {
            all = List.copyOf(connected);
            connected.clear();
        }
        AtomicInteger failed = new AtomicInteger();
        AtomicReference<String> firstError = new AtomicReference<>("");
        long t0 = System.nanoTime();
        run(
                all.size(),
                inFlight,
                failed,
                firstError,
                Integer.MAX_VALUE,
                i -> all.get(i).disconnect());
        return new Phase(all.size() - failed.get(), failed.get(), System.nanoTime() - t0, firstError.get());
    }

    /** Lets the event loop threads end once the last client is gone. */
    void close() {
        loopThreads.shutdown();
    }

    private interface Step {
        CompletableFuture<?> start(int i);
    }

    /** Starts {@code count} steps with at most {@code inFlight} unfinished; returns how many it started. */
    private static int run(
            int count,
            int inFlight,
            AtomicInteger failed,
            AtomicReference<String> firstError,
            int giveUpAfter,
            Step step)
            throws InterruptedException {
        Semaphore slots = new Semaphore(inFlight);
        CountDownLatch done = new CountDownLatch(count);
        int issued = 0;
        for (; issued < count && failed.get() <= giveUpAfter; issued++) {
            slots.acquire();
            CompletableFuture<?> f;
            try {
                f = step.start(issued);
            } catch (RuntimeException e) {
                f = CompletableFuture.failedFuture(e);
            }
            f.orTimeout(CONNECT_TIMEOUT_SECONDS, TimeUnit.SECONDS).whenComplete((ok, error) -> {
                if (error != null) {
                    failed.incrementAndGet();
                    firstError.compareAndSet("", message(error));
                }
                slots.release();
                done.countDown();
            });
        }
        for (int i = issued; i < count; i++) {
            done.countDown();
        }
        if (!done.await(CONNECT_TIMEOUT_SECONDS * 2, TimeUnit.SECONDS)) {
            throw new BenchException("idle clients: some connects or disconnects never finished");
        }
        return issued;
    }

    private static MqttClientTransportConfig transportConfig(Endpoint broker, String transport) {
        MqttClientTransportConfigBuilder b = MqttClientTransportConfig.builder()
                .serverHost(broker.host())
                .serverPort(broker.port())
                .socketConnectTimeout(10, TimeUnit.SECONDS)
                .mqttConnectTimeout(CONNECT_TIMEOUT_SECONDS - 5, TimeUnit.SECONDS);
        if (transport.equals(WEBSOCKET)) {
            b = b.webSocketConfig().serverPath("mqtt").applyWebSocketConfig();
        }
        if (broker.tls().isPresent()) {
            b = b.sslConfig().trustManagerFactory(broker.tls().get()).applySslConfig();
        }
        return b.build();
    }

    private static String message(Throwable error) {
        Throwable t = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        return t.getMessage() == null
                ? t.getClass().getSimpleName()
                : t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
