package dev.aichatroom.mqtt;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads the retained messages under some topic filters once, on a short-lived clean connection of its own (so the
 * product's persistent session is not touched): what the broker remembers from before a restart.
 */
public final class RetainedReader {
    private RetainedReader() {}

    /**
     * Subscribes, collects what the broker sends as retained until it has been quiet for {@code quiet} (at most
     * {@code limit} in all), and disconnects.
     *
     * @return topic → payload; an empty retained payload counts as absent
     * @throws MqttException when the broker cannot be reached or refuses the subscription
     */
    public static Map<String, byte[]> read(
            MqttSettings settings, String clientId, List<String> filters, Duration quiet, Duration limit) {
        Mqtt5AsyncClient client = MqttConnection.builder(settings, clientId).buildAsync();
        Map<String, byte[]> retained = new ConcurrentHashMap<>();
        AtomicLong lastArrival = new AtomicLong(System.nanoTime());
        client.publishes(MqttGlobalPublishFilter.ALL, p -> {
            if (p.isRetain()) {
                byte[] payload = p.getPayloadAsBytes();
                if (payload.length > 0) {
                    retained.put(p.getTopic().toString(), payload);
                }
                lastArrival.set(System.nanoTime());
            }
        });
        long deadline = System.nanoTime() + limit.toNanos();
        try {
            try {
                client.connectWith()
                        .cleanStart(true)
                        .sessionExpiryInterval(0)
                        .send()
                        .get(limit.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new MqttException(
                        "cannot reach " + settings.host() + ":" + settings.port() + " (" + MqttConnection.rootMessage(e)
                                + ")",
                        e,
                        true);
            }
            client.subscribe(MqttConnection.subscription(filters, MqttQos.AT_MOST_ONCE))
                    .get(limit.toMillis(), TimeUnit.MILLISECONDS);
            lastArrival.set(System.nanoTime());
            while (System.nanoTime() < deadline && System.nanoTime() - lastArrival.get() < quiet.toNanos()) {
                Thread.sleep(20);
            }
            return Map.copyOf(retained);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MqttException("interrupted while reading retained messages", e);
        } catch (MqttException e) {
            throw e;
        } catch (Exception e) {
            throw new MqttException(
                    "cannot read the retained " + filters + " from " + settings.host() + ":" + settings.port() + " ("
                            + MqttConnection.rootMessage(e) + ")",
                    e);
        } finally {
            client.disconnect();
        }
    }
}
