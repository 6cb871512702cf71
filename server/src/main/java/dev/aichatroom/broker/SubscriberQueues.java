package dev.aichatroom.broker;

import org.apache.activemq.artemis.api.core.QueueConfiguration;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.Queue;
import org.apache.activemq.artemis.core.server.plugin.ActiveMQServerQueuePlugin;
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
 */
final class SubscriberQueues implements ActiveMQServerQueuePlugin {
    private static final Logger LOG = LoggerFactory.getLogger(SubscriberQueues.class);
    static final long UNBOUNDED = -1;

    private final int maxQueued;
    private final SimpleString serviceUser;

    /**
     * @param maxQueued messages kept per subscription beyond which the oldest goes; 0 = no bound
     * @param serviceUser the service's broker user, whose subscriptions are never bounded
     */
    SubscriberQueues(int maxQueued, String serviceUser) {
        this.maxQueued = maxQueued;
        this.serviceUser = SimpleString.of(serviceUser);
    }

    /** A subscription's queue gets its bound before it exists (MQTT creates one per subscription, named {@code id.filter}). */
    @Override
    public void beforeCreateQueue(QueueConfiguration queue) {
        queue.setRingSize(ringSize(queue.getUser(), queue.isInternal()));
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
