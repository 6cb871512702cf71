package dev.aichatroom.broker;

import java.util.Optional;
import org.apache.activemq.artemis.api.core.ActiveMQSecurityException;
import org.apache.activemq.artemis.api.core.Message;
import org.apache.activemq.artemis.core.paging.PagingManager;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.ServerSession;
import org.apache.activemq.artemis.core.server.plugin.ActiveMQServerMessagePlugin;
import org.apache.activemq.artemis.core.transaction.Transaction;

/**
 * Publishes refused cleanly while the broker's disk is below its floor ({@link EmbeddedBroker#MIN_DISK_FREE_BYTES},
 * decision 0038). Artemis itself fails the whole connection of an MQTT client that publishes then, logging an error
 * with a stack trace and the packet for each: every device reconnected and published again in a loop. Here the publish
 * is refused before Artemis gets to it, as a publish the client may not make: an MQTT 5 client gets a PUBACK with
 * reason 0x87 and keeps its connection (an MQTT 3.1.1 client, which has no reason codes, is disconnected, as
 * Artemis does for any refused publish). Nothing is logged per publish: Artemis logs the floor crossed and left.
 */
final class DiskFloor implements ActiveMQServerMessagePlugin {
    private volatile ActiveMQServer server;

    @Override
    public void registered(ActiveMQServer server) {
        this.server = server;
    }

    @Override
    public void beforeSend(
            ServerSession session, Transaction tx, Message message, boolean direct, boolean noAutoCreateQueue)
            throws ActiveMQSecurityException {
        if (!session.getRemotingConnection().isSupportsFlowControl() && full()) {
            throw new ActiveMQSecurityException("the broker's free disk space is below its floor");
        }
    }

    /** Why the broker refuses publishes now, if it does. */
    Optional<String> problem() {
        if (!full()) {
            return Optional.empty();
        }
        long free = server.getPagingManager().getDiskUsableSpace() / (1024 * 1024);
        return Optional.of("free disk space " + free + " MiB, below the broker's floor of "
                + EmbeddedBroker.MIN_DISK_FREE_BYTES / (1024 * 1024)
                + " MiB: publishes are refused until space is freed");
    }

    boolean full() {
        ActiveMQServer s = server;
        PagingManager paging = s == null ? null : s.getPagingManager();
        return paging != null && paging.isDiskFull();
    }
}
