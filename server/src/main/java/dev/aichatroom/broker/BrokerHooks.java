package dev.aichatroom.broker;

import dev.aichatroom.broker.artemis.PublisherOrder;
import dev.aichatroom.mqtt.TopicFilter;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.activemq.artemis.api.core.ActiveMQException;
import org.apache.activemq.artemis.api.core.ActiveMQSecurityException;
import org.apache.activemq.artemis.api.core.Message;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.persistence.OperationContext;
import org.apache.activemq.artemis.core.persistence.impl.journal.OperationContextImpl;
import org.apache.activemq.artemis.core.postoffice.RoutingStatus;
import org.apache.activemq.artemis.core.protocol.mqtt.MQTTInterceptor;
import org.apache.activemq.artemis.core.protocol.mqtt.MQTTUtil;
import org.apache.activemq.artemis.core.server.MessageReference;
import org.apache.activemq.artemis.core.server.RoutingContext;
import org.apache.activemq.artemis.core.server.ServerConsumer;
import org.apache.activemq.artemis.core.server.ServerSession;
import org.apache.activemq.artemis.core.server.plugin.ActiveMQServerConnectionPlugin;
import org.apache.activemq.artemis.core.server.plugin.ActiveMQServerMessagePlugin;
import org.apache.activemq.artemis.core.server.plugin.ActiveMQServerSessionPlugin;
import org.apache.activemq.artemis.core.transaction.Transaction;
import org.apache.activemq.artemis.spi.core.protocol.RemotingConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Artemis plugins and the MQTT interceptor: client connect/disconnect events, publish inspection and stamping, the
 * clamp that works around Artemis storing expiry intervals × 1000 in a 32-bit int, and the rule that a filter starting
 * with a wildcard never gets a {@code $} topic (MQTT 5 §4.7.2), which Artemis keeps for live messages only.
 */
final class BrokerHooks
        implements ActiveMQServerSessionPlugin,
                ActiveMQServerMessagePlugin,
                ActiveMQServerConnectionPlugin,
                MQTTInterceptor {
    /** Largest interval (s) Artemis can hold in milliseconds in an int. */
    static final int MAX_EXPIRY_SECONDS = Integer.MAX_VALUE / 1000;

    private static final Logger LOG = LoggerFactory.getLogger(BrokerHooks.class);
    private final InputBacklog backlog;
    private final ClientListener clients;
    /** Each inspector with its topic filters, asked for once rather than on every publish. */
    private final List<Inspecting> inspectors;

    private final BrokerSecurity security;
    private final Map<String, Integer> connectionsPerClient = new ConcurrentHashMap<>();

    private final ListenerGuard guard;
    private final KeepAlive keepAlive;
    /** Retained copies of {@code $} topics being removed from a subscription that may not have them. */
    private final Set<MessageReference> dropping = ConcurrentHashMap.newKeySet();

    BrokerHooks(
            ClientListener clients,
            List<PublishInspector> inspectors,
            BrokerSecurity security,
            ListenerGuard guard,
            KeepAlive keepAlive,
            InputBacklog backlog) {
        this.backlog = backlog;
        this.guard = guard;
        this.keepAlive = keepAlive;
        this.clients = clients;
        this.inspectors = inspectors.stream()
                .map(i -> new Inspecting(i, List.copyOf(i.topicFilters())))
                .toList();
        this.security = security;
    }

    @Override
    public boolean intercept(MqttMessage packet, RemotingConnection connection) {
        if (packet instanceof MqttConnectMessage connect) {
            clamp(connect.variableHeader().properties(), MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL);
        } else if (packet instanceof MqttPublishMessage publish) {
            clamp(publish.variableHeader().properties(), MqttProperties.MqttPropertyType.PUBLICATION_EXPIRY_INTERVAL);
        } else if (packet.fixedHeader().messageType() == MqttMessageType.DISCONNECT
                && packet.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader disconnect) {
            // a DISCONNECT may lengthen the session: 999,999,999 s wrapped into an expiry in the past
            clamp(disconnect.properties(), MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL);
        }
        return true;
    }

    /**
     * MQTT 5 §4.7.2: a filter starting with a wildcard ({@code #}, {@code +/…}) matches no topic starting with
     * {@code $}. Artemis keeps live {@code $} messages out of such a subscription with a queue filter, but copies the
     * retained messages of every matching topic straight into the new subscription's queue, past that filter (MCP
     * presence and voice topics reached {@code #}). Such a copy is not delivered, and is removed from the queue.
     */
    @Override
    public boolean canAccept(ServerConsumer consumer, MessageReference reference) {
        if (!hidden(consumer.getQueue().getAddress(), reference.getMessage().getAddressSimpleString())) {
            return true;
        }
        if (dropping.add(reference)) {
            // not here: the queue is in the middle of its delivery loop
            Thread.ofVirtual().name("broker-dollar-drop").start(() -> drop(reference));
        }
        return false;
    }

    /** Whether a message on {@code address} must not reach a subscription queue bound to {@code subscription}. */
    static boolean hidden(SimpleString subscription, SimpleString address) {
        if (address == null || address.length() == 0 || address.charAt(0) != '$') {
            return false;
        }
        if (subscription == null || subscription.length() == 0) {
            return false;
        }
        char first = subscription.charAt(0);
        return first == '#' || first == '*';
    }

    private void drop(MessageReference reference) {
        try {
            reference.getQueue().deleteReference(reference.getMessage().getMessageID());
        } catch (Exception e) {
            LOG.warn(
                    "Could not remove the retained {} message from subscription {}: {}",
                    reference.getMessage().getAddress(),
                    reference.getQueue().getName(),
                    e.toString());
        } finally {
            dropping.remove(reference);
        }
    }

    private static void clamp(MqttProperties properties, MqttProperties.MqttPropertyType type) {
        if (properties == null || properties == MqttProperties.NO_PROPERTIES) {
            return;
        }
        MqttProperties.MqttProperty<?> property = properties.getProperty(type.value());
        if (property != null && property.value() instanceof Integer seconds) {
            // 0xFFFFFFFF arrives as -1 and means "never": Artemis handles that one
            if (seconds > MAX_EXPIRY_SECONDS) {
                properties.add(new MqttProperties.IntegerProperty(type.value(), MAX_EXPIRY_SECONDS));
            }
        }
    }

    @Override
    public void afterCreateSession(ServerSession session) {
        RemotingConnection connection = session.getRemotingConnection();
        if (isMqtt(connection) && connection.getClientID() != null) {
            connectionsPerClient.merge(connection.getClientID(), 1, Integer::sum);
            clients.connected(connection.getClientID());
        }
    }

    @Override
    public void afterCloseSession(ServerSession session, boolean failed) {
        RemotingConnection connection = session.getRemotingConnection();
        if (isMqtt(connection) && connection.getClientID() != null) {
            String clientId = connection.getClientID();
            Integer left = connectionsPerClient.computeIfPresent(clientId, (k, n) -> n <= 1 ? null : n - 1);
            if (left == null) {
                clients.disconnected(clientId);
            }
        }
    }

    /** Called while Artemis sets up the connection, before the first MQTT byte reaches its decoder. */
    @Override
    public void afterCreateConnection(RemotingConnection connection) {
        guard.connectionCreated(connection).ifPresent(backlog::install);
    }

    @Override
    public void afterDestroyConnection(RemotingConnection connection) {
        security.connectionClosed(connection.getID());
        keepAlive.connectionClosed(connection.getID());
    }

    @Override
    public void beforeSend(
            ServerSession session, Transaction tx, Message message, boolean direct, boolean noAutoCreateQueue)
            throws ActiveMQException {
        RemotingConnection connection = session.getRemotingConnection();
        if (!isMqtt(connection)) {
            return;
        }
        if (message.getAddress() == null) {
            return;
        }
        String topic = BrokerSecurity.mqttTopic(message.getAddress());
        if (McpTopics.isMcp(topic) && isAuthenticated(session)) {
            // MCP-MQTT-CLIENT-ID must name the publisher (anonymous loopback mode trusts everyone anyway)
            Optional<String> forged = McpTopics.refuseClaimedSender(
                    connection.getClientID(), topic, userProperties(message, McpTopics.SENDER_PROPERTY));
            if (forged.isPresent()) {
                throw new ActiveMQSecurityException(forged.get());
            }
        }
        for (Inspecting inspecting : inspectors) {
            if (inspecting.matches(topic)) {
                PublishInspector inspector = inspecting.inspector();
                if (inspector.backPressure()) {
                    backlog.routed(connection); // counted from its decoding; refused or routed from here
                }
                byte[] payload = inspect(inspector, session, connection.getClientID(), topic, message);
                // taken in-process (decision 0050) only where its acknowledgement waits on the session's own
                // storage context (PublisherOrder made it the thread's): that is the context held until it is
                // stored; never the service's own publishes, whose context must not wait on the service
                if (inspector.takes()
                        && !backlog.isService(session.getUsername())
                        && session.getSessionContext() != null
                        && OperationContextImpl.getContext() == session.getSessionContext()
                        && backlog.queued() == 0) {
                    TAKING.set(new Taking(message, inspector, topic, payload, connection.getClientID()));
                } else {
                    stamp(message, PublishInspector.SENDER_CLIENT_ID, connection.getClientID());
                    stamp(message, PublishInspector.BROKER_MESSAGE_ID, brokerMessageId());
                }
            }
        }
    }

    /** A publish being sent on this thread that goes to its inspector instead of to a queue (decision 0050). */
    private record Taking(Message message, PublishInspector inspector, String topic, byte[] payload, String sender) {}

    private static final ThreadLocal<Taking> TAKING = new ThreadLocal<>();

    /** A publish taken in-process is routed to no queue: its inspector stores it. */
    @Override
    public void beforeMessageRoute(Message message, RoutingContext context, boolean direct, boolean rejectDuplicates) {
        Taking taking = TAKING.get();
        if (taking != null && taking.message() == message) {
            context.clear();
            context.setReusable(false); // the next publish on this address is routed afresh
        }
    }

    /**
     * After the broker accepted (and routed nowhere) a publish taken in-process: holds its acknowledgement on the
     * sender's storage context until the inspector has stored it, and hands it over. Artemis queues the PUBACK (PUBREC)
     * on that context right after this returns, behind every operation lined up on it, so the acknowledgements of one
     * connection still go out in the order its publishes came (MQTT-4.6.0-2). The context's replication count is the
     * one used: the embedded broker replicates to no backup, so nothing else lines up or completes on it.
     */
    @Override
    public void afterSend(
            ServerSession session,
            Transaction tx,
            Message message,
            boolean direct,
            boolean noAutoCreateQueue,
            RoutingStatus result)
            throws ActiveMQException {
        Taking taking = TAKING.get();
        if (taking == null || taking.message() != message) {
            return;
        }
        TAKING.remove();
        Object qos = message.getObjectProperty(MQTTUtil.MQTT_QOS_LEVEL_KEY);
        boolean atMostOnce = !(qos instanceof Number n) || n.intValue() == 0;
        Runnable settle = NOTHING;
        if (!atMostOnce) {
            OperationContext context = session.getSessionContext();
            context.replicationLineUp();
            settle = new Settle(context);
        }
        PublishInspector.Taken taken =
                new PublishInspector.Taken(taking.topic(), taking.payload(), taking.sender(), atMostOnce, settle);
        if (!taking.inspector().take(taken)) {
            settle.run(); // nothing waits on it: no acknowledgement is queued for a publish that fails
            throw new ActiveMQException("the chat service is stopping: input on " + taking.topic() + " not taken");
        }
    }

    @Override
    public void onSendException(
            ServerSession session,
            Transaction tx,
            Message message,
            boolean direct,
            boolean noAutoCreateQueue,
            Exception e) {
        Taking taking = TAKING.get();
        if (taking != null && taking.message() == message) {
            TAKING.remove();
        }
    }

    private static final Runnable NOTHING = () -> {};

    /** Completes the operation lined up for one taken publish, once. */
    private static final class Settle implements Runnable {
        private final OperationContext context;
        private final java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();

        Settle(OperationContext context) {
            this.context = context;
        }

        @Override
        public void run() {
            if (done.compareAndSet(false, true)) {
                context.replicationDone();
            }
        }
    }

    private record Inspecting(PublishInspector inspector, List<String> filters) {
        boolean matches(String topic) {
            for (String filter : filters) {
                if (TopicFilter.matches(filter, topic)) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * A broker message id: unique across restarts (a random prefix per start) without a {@code SecureRandom} draw per
     * publish, which {@code UUID.randomUUID()} took on every input (issue 13).
     */
    static String brokerMessageId() {
        return BOOT + Long.toHexString(SEQUENCE.incrementAndGet());
    }

    private static final String BOOT = UUID.randomUUID() + "-";
    private static final java.util.concurrent.atomic.AtomicLong SEQUENCE = new java.util.concurrent.atomic.AtomicLong();

    /** @return the publish's payload, once the inspector let it through */
    private static byte[] inspect(
            PublishInspector inspector, ServerSession session, String clientId, String topic, Message message)
            throws ActiveMQSecurityException {
        if (isRetained(message)) {
            // an input is an event, not a state: kept, it would be handled again by every restart of the service
            throw new ActiveMQSecurityException("MQTT client '" + clientId + "' may not retain an input on " + topic);
        }
        byte[] payload = new byte[message.toCore().getReadOnlyBodyBuffer().readableBytes()];
        message.toCore().getReadOnlyBodyBuffer().readBytes(payload);
        boolean authenticated = isAuthenticated(session);
        boolean retained = Boolean.TRUE.equals(message.getBooleanProperty(MQTTUtil.MQTT_MESSAGE_RETAIN_KEY));
        Optional<String> refusal =
                inspector.inspect(clientId, account(session), authenticated, topic, payload, retained);
        if (refusal.isPresent()) {
            throw new ActiveMQSecurityException(refusal.get());
        }
        return payload;
    }

    /** The configured account the session's connection logged in with, as {@link BrokerSecurity} admitted it. */
    private static Optional<String> account(ServerSession session) {
        ClientIdentity who = ClientIdentity.of(session.getRemotingConnection().getSubject());
        return who != null && who.kind() == ClientIdentity.Kind.ACCOUNT
                ? Optional.of(who.username())
                : Optional.empty();
    }

    private static boolean isRetained(Message message) {
        Object retain = message.getObjectProperty(MQTTUtil.MQTT_MESSAGE_RETAIN_KEY);
        return retain instanceof Boolean b && b;
    }

    private static boolean isAuthenticated(ServerSession session) {
        return session.getUsername() != null && !session.getUsername().isEmpty();
    }

    /** The values of the MQTT 5 user properties of that name, as Artemis stores them ({@code prefix + position + "." + key}). */
    private static List<String> userProperties(Message message, String key) {
        String suffix = "." + key;
        List<String> values = new java.util.ArrayList<>();
        for (SimpleString name : message.getPropertyNames()) {
            String n = name.toString();
            if (n.startsWith(MQTTUtil.MQTT_USER_PROPERTY_KEY_PREFIX) && n.endsWith(suffix)) {
                values.add(String.valueOf(message.getObjectProperty(name)));
            }
        }
        return values;
    }

    /** Appends an MQTT 5 user property the way Artemis stores them, so it is delivered last in order. */
    private static void stamp(Message message, String key, String value) {
        int position = message.containsProperty(SimpleString.of(MQTTUtil.MQTT_USER_PROPERTY_EXISTS_KEY))
                ? message.getIntProperty(MQTTUtil.MQTT_USER_PROPERTY_EXISTS_KEY)
                : 0;
        message.putStringProperty(
                SimpleString.of(MQTTUtil.MQTT_USER_PROPERTY_KEY_PREFIX + position + "." + key), SimpleString.of(value));
        message.putIntProperty(MQTTUtil.MQTT_USER_PROPERTY_EXISTS_KEY, position + 1);
    }

    private static boolean isMqtt(RemotingConnection connection) {
        return PublisherOrder.isMqtt(connection);
    }
}
