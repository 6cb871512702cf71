package dev.aichatroom.broker.artemis;

import java.util.concurrent.locks.ReentrantLock;
import org.apache.activemq.artemis.api.core.ActiveMQException;
import org.apache.activemq.artemis.api.core.Message;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.config.WildcardConfiguration;
import org.apache.activemq.artemis.core.postoffice.AddressManager;
import org.apache.activemq.artemis.core.postoffice.Binding;
import org.apache.activemq.artemis.core.postoffice.Bindings;
import org.apache.activemq.artemis.core.postoffice.impl.WildcardAddressManager;
import org.apache.activemq.artemis.core.security.CheckType;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.ServerSession;
import org.apache.activemq.artemis.core.server.plugin.ActiveMQServerPlugin;
import org.apache.activemq.artemis.core.transaction.Transaction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the routing of an address complete before anything is routed to it (issue 12: acknowledged inputs lost at a
 * new room's first moments).
 *
 * <p>Artemis builds an address's routing from the wildcard subscriptions that match it lazily, on the first publish
 * ({@code WildcardAddressManager.getBindingsForRoutingAddress}), and makes the new routing table visible before it
 * has added the subscriptions to it. A second publish to the same new address at that moment was routed to none or
 * only some of its subscriptions, and acknowledged: when several clients wrote to a new room at once, the service's
 * subscription missed the first of them and nothing said so. The same happens when the first subscription to an exact
 * topic is made while that topic is first published to (the wildcard subscriptions are added to the new table after
 * it is visible), and a wildcard subscription made while a new address is first published to could be left out of
 * that address for good.
 *
 * <p>Here the lazy build runs, for each address, under one of a fixed set of locks, before the publish is routed:
 * the second publisher waits until the table is complete. A new exact subscription builds the table the same way
 * first, so its wildcard part is complete before it is visible. After a new wildcard subscription is added, every
 * address it matches is given it if it is missing, with all the locks held, so that no build in progress can leave it
 * out. A publish that its sender may not make builds nothing (Artemis refuses it afterwards).
 *
 * <p>A plugin of its own, with no other class of the product, so that a standalone Artemis can load it too
 * ({@code docs/deployment.md}, decision 0039).
 */
public final class NewAddressRouting implements ActiveMQServerPlugin {
    private static final Logger LOG = LoggerFactory.getLogger(NewAddressRouting.class);
    private static final int STRIPES = 64;

    private final ReentrantLock[] locks = new ReentrantLock[STRIPES];
    /** Whether a session may publish to an address: asked, without side effects, before anything is built for it. */
    @FunctionalInterface
    public interface SendCheck {
        boolean maySend(ServerSession session, SimpleString address);
    }

    private final SendCheck check;
    private volatile ActiveMQServer server;

    /**
     * For a standalone broker ({@code <broker-plugin class-name=…>}): asks the broker's own security store, so a
     * publish it refuses is checked twice (twice in its audit log, when that is on).
     */
    public NewAddressRouting() {
        this(null);
    }

    public NewAddressRouting(SendCheck check) {
        this.check = check;
        for (int i = 0; i < STRIPES; i++) {
            locks[i] = new ReentrantLock();
        }
    }

    @Override
    public void registered(ActiveMQServer server) {
        this.server = server;
    }

    @Override
    public void beforeSend(
            ServerSession session, Transaction tx, Message message, boolean direct, boolean noAutoCreateQueue)
            throws ActiveMQException {
        SimpleString address = message.getAddressSimpleString();
        if (address == null || !maySend(session, address)) {
            return;
        }
        build(address);
    }

    @Override
    public void beforeAddBinding(Binding binding) {
        SimpleString address = binding.getAddress();
        if (!isWild(address)) {
            build(address);
        }
    }

    @Override
    public void afterAddBinding(Binding binding) {
        if (isWild(binding.getAddress())
                && server.getPostOffice().getAddressManager() instanceof WildcardAddressManager wildcards) {
            lockAll();
            try {
                wildcards.getAddressMap().visitMatching(binding.getAddress(), bindings -> {
                    if (bindings.getBinding(String.valueOf(binding.getUniqueName())) == null) {
                        bindings.addBinding(binding);
                    }
                });
            } catch (Exception e) {
                LOG.warn("Could not check the routing of subscription {}: {}", binding.getUniqueName(), e.toString());
            } finally {
                unlockAll();
            }
        }
    }

    /**
     * Builds the address's routing table, if it has none yet, while no other build of it can run; also for a message
     * routed without a session (the embedded broker's own outputs), which {@link #beforeSend} does not see.
     */
    public void build(SimpleString address) {
        AddressManager addresses = server.getPostOffice().getAddressManager();
        ReentrantLock lock = locks[Math.floorMod(address.hashCode(), STRIPES)];
        lock.lock();
        try {
            Bindings ignored = addresses.getBindingsForRoutingAddress(address);
        } catch (Exception e) {
            // a wildcard in a publish's address, or an address Artemis cannot route: it refuses the publish itself
            LOG.debug("No routing built ahead for {}: {}", address, e.toString());
        } finally {
            lock.unlock();
        }
    }

    private boolean maySend(ServerSession session, SimpleString address) {
        if (check != null) {
            return check.maySend(session, address);
        }
        if (!server.getConfiguration().isSecurityEnabled()) {
            return true;
        }
        try {
            server.getSecurityStore().check(address, CheckType.SEND, session);
            return true;
        } catch (Exception refused) {
            return false;
        }
    }

    /**
     * Whether an address is a wildcard one, as Artemis 2.55's {@code WildcardConfiguration.isWild} decides (a wildcard
     * character not escaped by a backslash): written out here because Artemis 2.40, the newest standalone distribution
     * on Maven Central, has no such method, and the plugin must load on both.
     */
    private boolean isWild(SimpleString address) {
        WildcardConfiguration wildcards = server.getConfiguration().getWildcardConfiguration();
        return isWild(address, wildcards.getSingleWord(), wildcards.getAnyWords());
    }

    static boolean isWild(SimpleString address, char singleWord, char anyWords) {
        int length = address == null ? 0 : address.length();
        for (int i = 0; i < length; i++) {
            char c = address.charAt(i);
            if ((c == singleWord || c == anyWords) && (i == 0 || address.charAt(i - 1) != '\\')) {
                return true;
            }
        }
        return false;
    }

    private void lockAll() {
        for (ReentrantLock lock : locks) {
            lock.lock();
        }
    }

    private void unlockAll() {
        for (int i = STRIPES - 1; i >= 0; i--) {
            locks[i].unlock();
        }
    }
}
