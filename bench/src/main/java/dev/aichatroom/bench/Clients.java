package dev.aichatroom.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The bench's MQTT 5 clients: clean sessions, no reconnect (a dropped connection must show up as losses), except the
 * fault runs' persistent devices.
 */
final class Clients {
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private Clients() {}

    /**
     * Connects a client whose every incoming message goes to {@code onMessage}, which runs on the client's event loop
     * and so must not block.
     */
    static Mqtt5AsyncClient connect(Endpoint broker, String clientId, Consumer<Mqtt5Publish> onMessage) {
        Mqtt5AsyncClient client = builder(broker, clientId).buildAsync();
        client.publishes(MqttGlobalPublishFilter.ALL, onMessage);
        await(client.connectWith().cleanStart(true).sessionExpiryInterval(0).send(), "connect " + clientId);
        return client;
    }

    /**
     * Connects a client that keeps its session (an hour) across connection losses and reconnects within a second, so
     * that the client sends an unacknowledged QoS 1 publish again and the broker what it queued; {@link #stop} ends it.
     */
    static Mqtt5AsyncClient connectPersistent(Endpoint broker, String clientId, Consumer<Mqtt5Publish> onMessage) {
        Mqtt5AsyncClient client = builder(broker, clientId)
                .automaticReconnect()
                .initialDelay(100, TimeUnit.MILLISECONDS)
                .maxDelay(1, TimeUnit.SECONDS)
                .applyAutomaticReconnect()
                .buildAsync();
        client.publishes(MqttGlobalPublishFilter.ALL, onMessage);
        await(
                client.connectWith()
                        .cleanStart(false)
                        .sessionExpiryInterval(3_600)
                        .send(),
                "connect " + clientId);
        return client;
    }

    private static Mqtt5ClientBuilder builder(Endpoint broker, String clientId) {
        Mqtt5ClientBuilder builder = MqttClient.builder()
                .useMqttVersion5()
                .identifier(clientId)
                .serverHost(broker.host())
                .serverPort(broker.port());
        if (broker.tls().isPresent()) {
            builder =
                    builder.sslConfig().trustManagerFactory(broker.tls().get()).applySslConfig();
        }
        return builder;
    }

    static void subscribe(Mqtt5AsyncClient client, String filter, int qos) {
        await(
                client.subscribeWith().topicFilter(filter).qos(qos(qos)).send(),
                "subscribe " + filter + " with QoS " + qos);
    }

    static void disconnect(Mqtt5AsyncClient client) {
        if (client.getState().isConnected()) {
            try {
                client.disconnect().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                // the run is over; a client that cannot say goodbye changes no number
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Disconnects even while reconnecting (which stops the reconnecting), waiting 5 s at most. */
    static void stop(Mqtt5AsyncClient client) {
        try {
            client.disconnect().get(5, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // over anyway
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static MqttQos qos(int qos) {
        return qos == 0 ? MqttQos.AT_MOST_ONCE : MqttQos.AT_LEAST_ONCE;
    }

    private static <T> T await(Future<T> future, String what) {
        try {
            return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new BenchException("MQTT " + what + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new BenchException("MQTT " + what + " got no answer within " + TIMEOUT.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted during MQTT " + what, e);
        }
    }
}
