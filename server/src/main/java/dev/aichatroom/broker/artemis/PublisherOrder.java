package dev.aichatroom.broker.artemis;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.activemq.artemis.api.core.ActiveMQException;
import org.apache.activemq.artemis.api.core.Message;
import org.apache.activemq.artemis.core.persistence.OperationContext;
import org.apache.activemq.artemis.core.persistence.impl.journal.OperationContextImpl;
import org.apache.activemq.artemis.core.server.MessageReference;
import org.apache.activemq.artemis.core.server.ServerConsumer;
import org.apache.activemq.artemis.core.server.ServerSession;
import org.apache.activemq.artemis.core.server.plugin.ActiveMQServerPlugin;
import org.apache.activemq.artemis.core.transaction.Transaction;
import org.apache.activemq.artemis.spi.core.protocol.RemotingConnection;

/**
 * Keeps one MQTT client's messages in the order it sent them, towards the broker and towards it (issue 12,
 * ARTEMIS-6191, decision 0032). A plugin of its own, with no other class of the product, so that a standalone Artemis
 * can load it too ({@code docs/deployment.md}).
 */
public final class PublisherOrder implements ActiveMQServerPlugin {
    private static final ThreadLocal<Previous> DELIVERING = new ThreadLocal<>();

    /** The storage context of each MQTT session, by session name (what a consumer names its session by). */
    private final Map<String, OperationContext> contexts = new ConcurrentHashMap<>();

    public PublisherOrder() {}

    /** Whether the connection speaks MQTT ("MQTT" followed by the protocol level once CONNECT is read). */
    public static boolean isMqtt(RemotingConnection connection) {
        return connection != null && connection.getProtocolName().startsWith("MQTT");
    }

    @Override
    public void afterCreateSession(ServerSession session) {
        if (isMqtt(session.getRemotingConnection()) && session.getSessionContext() != null) {
            contexts.put(session.getName(), session.getSessionContext());
        }
    }

    @Override
    public void afterCloseSession(ServerSession session, boolean failed) {
        contexts.remove(session.getName());
    }

    /**
     * Artemis handles a connection's packets in order, but on whichever thread of its pool is free, and the journal's
     * completion of a publish (which is when the message is added to its subscribers' queues, and its PUBACK sent) is
     * tracked by the calling thread's storage context: each pool thread has one of its own, each completing on its own
     * executor, so two publishes of one connection handled on two threads were queued in either order whenever the
     * journal had not yet finished the first. Artemis sets the connection's own context only on the thread that
     * accepted it; here every publish of the connection, on any thread, is tracked by that one context, which completes
     * in order. The thread keeps the context until the next connection's publish sets its own: contexts only order
     * completions, so other work on that thread that uses it is completed correctly too.
     */
    @Override
    public void beforeSend(
            ServerSession session, Transaction tx, Message message, boolean direct, boolean noAutoCreateQueue)
            throws ActiveMQException {
        if (!isMqtt(session.getRemotingConnection())) {
            return;
        }
        OperationContext context = session.getSessionContext();
        if (context != null && OperationContextImpl.getContext() != context) {
            OperationContextImpl.setContext(context);
        }
    }

    /**
     * Artemis writes every packet to an MQTT client once the storage context of the thread that sends it has finished
     * its pending journal writes (MQTTProtocolHandler.sendToClient). A subscription's messages are delivered on
     * whichever pool thread runs its queue at that moment, each with its own context: a message delivered on a thread
     * with a journal write pending waited while the next one, delivered on another thread, was written at once. Each
     * delivery to an MQTT client now waits on that client's own context, in order; the thread's context is given back
     * after the delivery.
     */
    @Override
    public void beforeDeliver(ServerConsumer consumer, MessageReference reference) {
        OperationContext context = contexts.get(consumer.getSessionID());
        if (context != null) {
            DELIVERING.set(new Previous(Optional.ofNullable(OperationContextImpl.getContext())));
            OperationContextImpl.setContext(context);
        }
    }

    @Override
    public void afterDeliver(ServerConsumer consumer, MessageReference reference) {
        Previous previous = DELIVERING.get();
        if (previous != null) {
            DELIVERING.remove();
            OperationContextImpl.setContext(previous.context().orElse(null));
        }
    }

    /** The context a delivering thread had before {@link #beforeDeliver}. */
    private record Previous(Optional<OperationContext> context) {}
}
