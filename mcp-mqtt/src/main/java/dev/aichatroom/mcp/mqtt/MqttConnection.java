package dev.aichatroom.mcp.mqtt;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperty;
import com.hivemq.client.mqtt.mqtt5.lifecycle.Mqtt5ClientConnectedContext;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5SimpleAuth;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscribe;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscription;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.unsubscribe.Mqtt5Unsubscribe;
import com.hivemq.client.mqtt.mqtt5.message.unsubscribe.Mqtt5UnsubscribeBuilder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One MQTT 5 connection of an MCP component: session expiry 0, QoS 1 everywhere, the MCP user properties on
 * CONNECT and on every PUBLISH, inbound messages handed over in order on a {@link SerialExecutor}.
 */
final class MqttConnection {

    private static final Logger log = LoggerFactory.getLogger(MqttConnection.class);

    /** Room for MQTT headers and user properties on top of the JSON payload. */
    private static final int PACKET_OVERHEAD = 64 * 1024;

    private static final int MAX_MQTT_PACKET = 268_435_460;

    /** An inbound PUBLISH. */
    record Inbound(
            String topic, byte[] payload, boolean retain, MqttQos qos, String senderClientId, String senderType) {}

    /** A subscription; {@code noLocal} is set for the RPC topics. */
    record Subscription(String filter, boolean noLocal) {}

    /** The will: topic, payload and retain flag. */
    record Will(String topic, byte[] payload, boolean retain) {}

    /** Connection lifecycle callbacks, called on the inbound executor. */
    interface Listener {
        /** The connection dropped without us asking. */
        default void connectionLost(Throwable cause) {}

        /** An automatic reconnect succeeded. */
        default void reconnected(Mqtt5ConnAck connAck) {}
    }

    private final Mqtt5AsyncClient client;
    private final String clientId;
    private final String componentType;
    private final String metaJson;
    private final int maximumPacketSize;
    private final MqttConnectionConfig config;
    private final SerialExecutor executor = new SerialExecutor();
    private final boolean reconnect;
    private final boolean resubscribeOnReconnect;
    private final Listener listener;
    private final AtomicBoolean everConnected = new AtomicBoolean();
    private volatile boolean closing;
    private final AtomicInteger selfEchoes = new AtomicInteger();
    private final AtomicInteger flowGeneration = new AtomicInteger();
    private final Consumer<Inbound> onMessage;
    private final List<Subscription> subscriptionLog = new CopyOnWriteArrayList<>();
    private final List<String> unsubscriptionLog = new CopyOnWriteArrayList<>();

    MqttConnection(
            MqttConnectionConfig config,
            String clientId,
            String componentType,
            String metaJson,
            int maxPayloadBytes,
            boolean reconnect,
            boolean resubscribeOnReconnect,
            Consumer<Inbound> onMessage,
            Listener listener) {
        this.config = config;
        this.clientId = Wire.requireValidId(clientId, "MQTT client id");
        this.componentType = componentType;
        this.metaJson = metaJson;
        this.maximumPacketSize = config.maxPacketBytes() > 0
                ? config.maxPacketBytes()
                : (int) Math.min(MAX_MQTT_PACKET, 2L * maxPayloadBytes + PACKET_OVERHEAD);
        this.reconnect = reconnect;
        this.resubscribeOnReconnect = resubscribeOnReconnect;
        this.listener = listener;

        Mqtt5ClientBuilder builder = MqttClient.builder()
                .useMqttVersion5()
                .identifier(clientId)
                .serverHost(config.host())
                .serverPort(config.port())
                .addConnectedListener(ctx -> onConnected((Mqtt5ClientConnectedContext) ctx))
                .addDisconnectedListener(this::onDisconnected);
        if (config.username() != null || config.password() != null) {
            // on the client, not only on the first CONNECT: an automatic reconnect sends the client's credentials,
            // and a broker with accounts would refuse a reconnect without them, forever
            builder = builder.simpleAuth(simpleAuth(config));
        }
        if (config.tls()) {
            builder = config.trust() == null
                    ? builder.sslWithDefaultConfig()
                    : builder.sslConfig().trustManagerFactory(config.trust()).applySslConfig();
        }
        this.client = builder.buildAsync();
        this.onMessage = onMessage;
    }

    String clientId() {
        return clientId;
    }

    /** Connects with clean start, session expiry 0, the MCP user properties and the given will. */
    CompletableFuture<Mqtt5ConnAck> connect(Will will) {
        closing = false;
        var connect = client.connectWith()
                .cleanStart(true)
                .sessionExpiryInterval(0)
                .keepAlive((int) config.keepAlive().toSeconds())
                .restrictions()
                .maximumPacketSize(maximumPacketSize)
                .applyRestrictions()
                .userProperties()
                .add(Wire.PROP_COMPONENT_TYPE, componentType)
                .add(Wire.PROP_META, metaJson)
                .applyUserProperties()
                .willPublish()
                .topic(will.topic())
                .payload(will.payload())
                .qos(MqttQos.AT_LEAST_ONCE)
                .retain(will.retain())
                .userProperties()
                .add(Wire.PROP_COMPONENT_TYPE, componentType)
                .add(Wire.PROP_MQTT_CLIENT_ID, clientId)
                .applyUserProperties()
                .applyWillPublish();
        return connect.send().whenComplete((ack, error) -> {
            if (error == null) {
                everConnected.set(true);
            }
        });
    }

    private static Mqtt5SimpleAuth simpleAuth(MqttConnectionConfig config) {
        byte[] password = config.password() == null ? null : config.password().getBytes(StandardCharsets.UTF_8);
        if (config.username() == null) {
            return Mqtt5SimpleAuth.builder().password(password).build();
        }
        var auth = Mqtt5SimpleAuth.builder().username(config.username());
        return password == null ? auth.build() : auth.password(password).build();
    }

    /** Publishes with QoS 1 and the MCP user properties. */
    CompletableFuture<Void> publish(String topic, byte[] payload, boolean retain) {
        try {
            return client.publishWith()
                    .topic(topic)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .retain(retain)
                    .payload(payload)
                    .userProperties()
                    .add(Wire.PROP_COMPONENT_TYPE, componentType)
                    .add(Wire.PROP_MQTT_CLIENT_ID, clientId)
                    .applyUserProperties()
                    .send()
                    .thenApply(result -> {
                        if (result.getError().isPresent()) {
                            throw new McpMqttException(
                                    McpMqttException.CONNECTION_CLOSED,
                                    "Could not publish to " + topic + ": "
                                            + result.getError().get().getMessage(),
                                    result.getError().get());
                        }
                        return null;
                    });
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Subscribes with QoS 1 in one SUBSCRIBE packet; fails if the broker refuses any of them. */
    CompletableFuture<Void> subscribe(List<Subscription> subscriptions) {
        List<Mqtt5Subscription> subs = subscriptions.stream()
                .map(s -> Mqtt5Subscription.builder()
                        .topicFilter(s.filter())
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .noLocal(s.noLocal())
                        .build())
                .toList();
        try {
            subscriptionLog.addAll(subscriptions);
            return client.subscribe(
                            Mqtt5Subscribe.builder().addSubscriptions(subs).build())
                    .thenApply(subAck -> {
                        List<Mqtt5SubAckReasonCode> codes = subAck.getReasonCodes();
                        for (int i = 0; i < codes.size(); i++) {
                            if (codes.get(i).isError()) {
                                throw new McpMqttException(
                                        McpMqttException.CONNECTION_CLOSED,
                                        "Broker refused subscription to "
                                                + subscriptions.get(i).filter() + ": " + codes.get(i));
                            }
                        }
                        return null;
                    });
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    CompletableFuture<Void> unsubscribe(List<String> filters) {
        if (filters.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        try {
            unsubscriptionLog.addAll(filters);
            Mqtt5UnsubscribeBuilder.Complete builder = null;
            for (String f : filters) {
                builder = builder == null ? Mqtt5Unsubscribe.builder().addTopicFilter(f) : builder.addTopicFilter(f);
            }
            return client.unsubscribe(builder.build()).thenApply(ack -> null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Normal DISCONNECT (the broker does not publish the will); completes also if already disconnected. */
    CompletableFuture<Void> disconnect() {
        closing = true;
        try {
            return client.disconnect().exceptionally(e -> null);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(null);
        }
    }

    boolean isConnected() {
        return client.getState().isConnected();
    }

    /** Runs a task in order with the inbound messages of this connection. */
    void execute(Runnable task) {
        executor.execute(task);
    }

    /** Messages this connection received from itself on a No Local subscription (should stay 0). */
    int selfEchoes() {
        return selfEchoes.get();
    }

    /** Every subscription made, for tests and diagnostics. */
    List<Subscription> subscriptionLog() {
        return List.copyOf(subscriptionLog);
    }

    /** Every filter unsubscribed, for tests and diagnostics. */
    List<String> unsubscriptionLog() {
        return List.copyOf(unsubscriptionLog);
    }

    private void dispatch(Mqtt5Publish publish, Consumer<Inbound> handler) {
        String senderId = null;
        String senderType = null;
        for (Mqtt5UserProperty p : publish.getUserProperties().asList()) {
            String name = p.getName().toString();
            if (name.equals(Wire.PROP_MQTT_CLIENT_ID)) {
                senderId = p.getValue().toString();
            } else if (name.equals(Wire.PROP_COMPONENT_TYPE)) {
                senderType = p.getValue().toString();
            }
        }
        String topic = publish.getTopic().toString();
        if (clientId.equals(senderId)) {
            selfEchoes.incrementAndGet();
            log.warn("{} received its own message on {}; the broker ignored No Local. Dropped.", clientId, topic);
            return;
        }
        Inbound inbound = new Inbound(
                topic, publish.getPayloadAsBytes(), publish.isRetain(), publish.getQos(), senderId, senderType);
        handler.accept(inbound);
    }

    private void onConnected(Mqtt5ClientConnectedContext ctx) {
        // With session expiry 0 the client ends its publish flows when a connection ends, so register a fresh one on
        // every CONNACK (the event loop handles CONNACK before any PUBLISH of the new connection). A flow that was
        // not ended is recognised by its old generation and ignored.
        int generation = flowGeneration.incrementAndGet();
        client.publishes(
                MqttGlobalPublishFilter.ALL,
                publish -> {
                    if (generation == flowGeneration.get()) {
                        dispatch(publish, onMessage);
                    }
                },
                executor,
                false);
        if (everConnected.get()) {
            Mqtt5ConnAck connAck = ctx.getConnAck();
            executor.execute(() -> listener.reconnected(connAck));
        }
    }

    private void onDisconnected(MqttClientDisconnectedContext ctx) {
        if (ctx.getSource() == MqttDisconnectSource.USER || closing) {
            return;
        }
        if (!everConnected.get()) {
            return; // the initial connect failed; the caller sees the failed future
        }
        Throwable cause = ctx.getCause();
        if (ctx.getReconnector().getAttempts() == 0) {
            log.warn("MQTT connection of {} lost: {}", clientId, cause.getMessage());
            executor.execute(() -> listener.connectionLost(cause));
        }
        if (reconnect) {
            long delayMs =
                    Math.min(30_000L, 500L << Math.min(6, ctx.getReconnector().getAttempts()));
            ctx.getReconnector()
                    .reconnect(true)
                    .resubscribeIfSessionPresent(resubscribeOnReconnect)
                    .resubscribeIfSessionExpired(resubscribeOnReconnect)
                    .republishIfSessionExpired(false)
                    .delay(delayMs, TimeUnit.MILLISECONDS);
        }
    }
}
