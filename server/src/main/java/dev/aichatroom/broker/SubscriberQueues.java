package dev.aichatroom.broker;

import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.activemq.artemis.api.core.QueueConfiguration;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.protocol.mqtt.MQTTInterceptor;
import org.apache.activemq.artemis.core.protocol.mqtt.MQTTSessionState;
import org.apache.activemq.artemis.core.protocol.mqtt.MQTTStateManager;
import org.apache.activemq.artemis.core.protocol.mqtt.MQTTUtil;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.Queue;
import org.apache.activemq.artemis.core.server.plugin.ActiveMQServerConnectionPlugin;
import org.apache.activemq.artemis.core.server.plugin.ActiveMQServerQueuePlugin;
import org.apache.activemq.artemis.spi.core.protocol.RemotingConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many messages the broker keeps for one client's subscription that it cannot deliver yet: a subscriber that stops
 * reading, or a persistent session that stays away. Beyond {@code MQTT_MAX_QUEUED_MESSAGES} the oldest waiting message
 * of that subscription is dropped as each new one arrives (an Artemis ring queue), as Mosquitto's
 * {@code max_queued_messages} and EMQX's {@code max_mqueue_len} do. Without it one client that subscribes and never
 * reads made the broker keep every message published to that topic: 2.5 GB of heap in 40 s from one anonymous client
 * (docs/decisions/0036-bounded-subscriber-queues.md). The service's own subscriptions (its inputs, MCP, voice) are never
 * bounded: what the broker acknowledged to a sender must reach the service.
 *
 * <p>The subscriptions of an MQTT 5 session that ends with its connection (session expiry 0 in its CONNECT) are kept
 * in memory only (decision 0053). Artemis journals every subscription queue of an MQTT 5 client, because a DISCONNECT
 * could lengthen the session: each QoS 1 or 2 message such a subscriber gets was written to the journal (the message,
 * its reference, its acknowledgement and its deletion), for a session that a crash ends anyway and whose queue nobody
 * reads after one. MQTT 5 forbids lengthening a session that started with expiry 0 (MQTT-3.14.2-2); such a DISCONNECT
 * is held to the 0 it connected with here, so the queue never outlives the connection.
 */
final class SubscriberQueues implements ActiveMQServerQueuePlugin, ActiveMQServerConnectionPlugin, MQTTInterceptor {
    private static final Logger LOG = LoggerFactory.getLogger(SubscriberQueues.class);
    static final long UNBOUNDED = -1;

    private final int maxQueued;
    private final SimpleString serviceUser;
    private volatile ActiveMQServer server;
    /** Connections (by id) of MQTT 5 sessions that end with them: session expiry 0 at CONNECT. */
    private final Set<Object> endingWithConnection = ConcurrentHashMap.newKeySet();
    /**
     * Subscription queues such a session asked for and Artemis has not created yet: queue name → client id. A
     * subscription refused, or to a queue that exists already, leaves its entry until the connection closes: at most
     * {@link #PENDING_LIMIT} are kept, so a client repeating refused SUBSCRIBEs cannot grow it; past that, new queues
     * are journalled as Artemis would (slower, nothing lost).
     */
    private final Map<SimpleString, String> inMemory = new ConcurrentHashMap<>();

    static final int PENDING_LIMIT = 10_000;

    /**
     * @param maxQueued messages kept per subscription beyond which the oldest goes; 0 = no bound
     * @param serviceUser the service's broker user, whose subscriptions are never bounded
     */
    SubscriberQueues(int maxQueued, String serviceUser) {
        this.maxQueued = maxQueued;
        this.serviceUser = SimpleString.of(serviceUser);
    }

    @Override
    public void registered(ActiveMQServer server) {
        this.server = server;
    }

    /** A subscription's queue gets its bound before it exists (MQTT creates one per subscription, named {@code id.filter}). */
    @Override
    public void beforeCreateQueue(QueueConfiguration queue) {
        queue.setRingSize(ringSize(queue.getUser(), queue.isInternal()));
        String client = inMemory.remove(queue.getName());
        if (client != null
                && !queue.isInternal()
                && !serviceUser.equals(queue.getUser())
                && endsWithConnection(client)) {
            queue.setDurable(false);
        }
    }

    /** Notes the sessions that end with their connection, and the subscription queues they ask for. */
    @Override
    public boolean intercept(MqttMessage packet, RemotingConnection connection) {
        if (packet instanceof MqttConnectMessage connect) {
            if (connect.variableHeader().version() == 5
                    && expiry(connect.variableHeader().properties()) == 0) {
                endingWithConnection.add(connection.getID());
            } else {
                endingWithConnection.remove(connection.getID());
            }
        } else if (packet instanceof MqttSubscribeMessage subscribe) {
            String client = connection.getClientID();
            ActiveMQServer running = server;
            if (client != null
                    && running != null
                    && endingWithConnection.contains(connection.getID())
                    && inMemory.size() < PENDING_LIMIT) {
                for (MqttTopicSubscription t : subscribe.payload().topicSubscriptions()) {
                    String filter = t.topicFilter();
                    if (filter == null || MQTTUtil.isSharedSubscription(filter)) {
                        continue; // a shared subscription's queue is every member's
                    }
                    try {
                        inMemory.put(
                                SimpleString.of(MQTTUtil.getCoreQueueFromMqttTopic(
                                        filter,
                                        client,
                                        running.getConfiguration().getWildcardConfiguration())),
                                client);
                    } catch (RuntimeException e) {
                        // a filter Artemis refuses itself: no queue
                    }
                }
            }
        } else if (packet.fixedHeader().messageType() == MqttMessageType.DISCONNECT
                && endingWithConnection.contains(connection.getID())
                && packet.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader disconnect
                && expiry(disconnect.properties()) != 0) {
            // MQTT-3.14.2-2: a session that began with expiry 0 cannot be lengthened; it ends with this connection
            disconnect
                    .properties()
                    .add(new MqttProperties.IntegerProperty(
                            MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL.value(), 0));
        }
        return true;
    }

    /** Subscription queues asked for and not created yet (tests). */
    int pending() {
        return inMemory.size();
    }

    @Override
    public void afterDestroyConnection(RemotingConnection connection) {
        if (endingWithConnection.remove(connection.getID())) {
            String client = connection.getClientID();
            if (client != null) {
                inMemory.values().removeIf(client::equals);
            }
        }
    }

    private static int expiry(MqttProperties properties) {
        if (properties == null) {
            return 0;
        }
        MqttProperties.MqttProperty<?> p =
                properties.getProperty(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL.value());
        return p != null && p.value() instanceof Integer seconds ? seconds : 0;
    }

    /** Whether the client's session now (the one subscribing) ends with its connection. */
    private boolean endsWithConnection(String client) {
        try {
            MQTTSessionState state =
                    MQTTStateManager.getInstance(server).getSessionStates().get(client);
            return state != null && state.getClientSessionExpiryInterval() == 0;
        } catch (Exception e) {
            return false; // kept in the journal, as Artemis would
        }
    }

    /**
     * Queues kept from an earlier start (persistent sessions) get the bound of this one: the setting may have changed
     * since they were created.
     */
    void applyTo(ActiveMQServer server) {
        EmbeddedBroker.queues(server).forEach(this::apply);
    }

    private void apply(Queue queue) {
        long ring = ringSize(queue.getUser(), queue.isInternalQueue());
        if (queue.getRingSize() != ring) {
            queue.setRingSize(ring);
            LOG.debug("Queue {} now keeps at most {} waiting messages", queue.getName(), ring);
        }
    }

    /**
     * Every client's subscription is bounded, anonymous ones (no user) included; the service's and the broker's own
     * internal queues are not. No client can log in as the service's user (BrokerSecurity checks it first).
     */
    long ringSize(SimpleString user, boolean internal) {
        return maxQueued == 0 || internal || serviceUser.equals(user) ? UNBOUNDED : maxQueued;
    }
}
