package dev.aichatroom.broker;

import dev.aichatroom.broker.artemis.NewAddressRouting;
import dev.aichatroom.broker.artemis.OutputDuplicates;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.activemq.artemis.api.core.ActiveMQException;
import org.apache.activemq.artemis.api.core.Message;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.io.IOCallback;
import org.apache.activemq.artemis.core.message.impl.CoreMessage;
import org.apache.activemq.artemis.core.persistence.OperationContext;
import org.apache.activemq.artemis.core.persistence.StorageManager;
import org.apache.activemq.artemis.core.protocol.mqtt.MQTTUtil;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.impl.AddressInfo;
import org.apache.activemq.artemis.core.server.impl.RoutingContextImpl;
import org.apache.activemq.artemis.core.transaction.Transaction;
import org.apache.activemq.artemis.core.transaction.impl.TransactionImpl;
import org.apache.activemq.artemis.reader.MessageUtil;

/**
 * The service's chat messages routed by the embedded broker in this process (decision 0052): built as the broker's
 * MQTT module builds a client's publish, handed to its post office, and done once the broker's journal has them,
 * where they went out on the service's MQTT connection over loopback (encoded by its client, read, decoded and
 * routed by the broker, acknowledged back). Subscribers get them as any other PUBLISH.
 *
 * <p>What the broker's plugins did for the service's publishes is done here: the routing of a new address is built
 * before the first message is routed to it (decision 0039), an output the broker already took carries its {@code
 * message_id} as its duplicate id and is not routed again (0041), the messages of one publisher complete in the order
 * they were routed, on one storage context of their own (0032), and nothing is routed while the disk is below the
 * broker's floor (0038). The broker's access checks are not made: these are the service's own messages, on topics
 * only the service may publish to.
 */
public final class LocalOutputs {
    private final Supplier<ActiveMQServer> server;
    /** Whether an output topic is routed once by its {@code message_id} (0041). */
    private final Predicate<String> once;

    private final String idField;
    private final NewAddressRouting routing;
    private final DiskFloor floor;
    private final OutputDuplicates duplicates;
    /** One storage context for every output: they complete in the order they were routed (0032). */
    private volatile OperationContext context;

    private volatile ActiveMQServer contextOf;

    /** The outputs being routed together on this thread ({@link #together}), in one broker transaction. */
    private final ThreadLocal<Together> open = new ThreadLocal<>();

    /** A transaction of outputs routed together, and their completions in the order routed. */
    private static final class Together {
        final ActiveMQServer broker;
        final Transaction tx;
        final List<CompletableFuture<Void>> done = new ArrayList<>();
        Exception failed;

        Together(ActiveMQServer broker, Transaction tx) {
            this.broker = broker;
            this.tx = tx;
        }
    }

    LocalOutputs(
            Supplier<ActiveMQServer> server,
            Predicate<String> once,
            String idField,
            NewAddressRouting routing,
            DiskFloor floor,
            OutputDuplicates duplicates) {
        this.server = server;
        this.once = once;
        this.idField = idField;
        this.routing = routing;
        this.floor = floor;
        this.duplicates = duplicates;
    }

    /** Refused before anything was routed: the broker is not running, or its disk is below the floor. */
    public static final class Refused extends RuntimeException {
        Refused(String why) {
            super(why, null, false, false);
        }
    }

    /**
     * Routes one chat message to the subscribers of {@code topic}, not retained, at {@code qos} (1 or 2: what the
     * subscribers' own QoS lets through). Completes once the broker has it as it has a publish it acknowledges: in its
     * journal (synced first with {@code MQTT_JOURNAL_SYNC=true}), or at once when nobody subscribes; an output it had
     * already taken (the same {@code message_id}) completes without being routed again. Fails with {@link Refused}
     * when the broker does not run or its disk is below its floor. Never blocks on the journal.
     *
     * @param publisher the service's MQTT client id, as its publish would have carried it (a subscription with "no
     *     local" leaves out what its own client id published)
     */
    public CompletableFuture<Void> publish(String topic, byte[] payload, int qos, String publisher) {
        ActiveMQServer broker = server.get();
        if (broker == null || !broker.isActive()) {
            return CompletableFuture.failedFuture(new Refused("the embedded broker is not running"));
        }
        if (floor.full()) {
            return CompletableFuture.failedFuture(new Refused("the broker's free disk space is below its floor"));
        }
        StorageManager storage = broker.getStorageManager();
        SimpleString address = SimpleString.of(MQTTUtil.getCoreAddressFromMqttTopic(
                topic, broker.getConfiguration().getWildcardConfiguration()));
        CoreMessage message = new CoreMessage(storage.generateID(), payload.length + 256);
        message.setAddress(address);
        message.setType(Message.BYTES_TYPE);
        message.setDurable(true);
        message.setRoutingType(RoutingType.MULTICAST);
        message.setTimestamp(System.currentTimeMillis());
        message.putBooleanProperty(MQTTUtil.MQTT_MESSAGE_RETAIN_KEY, false);
        message.putIntProperty(MQTTUtil.MQTT_QOS_LEVEL_KEY, qos);
        // what a subscription with "no local" compares with its own client id
        message.putStringProperty(MessageUtil.CONNECTION_ID_PROPERTY_NAME, publisher);
        message.getBodyBuffer().writeBytes(payload);
        if (once.test(topic)) {
            Optional<byte[]> id = OutputDuplicates.duplicateId(payload, idField);
            if (id.isPresent()) {
                if (broker.getPostOffice().getDuplicateIDCache(address).contains(id.get())) {
                    duplicates.notRoutedAgain(OutputDuplicates.idOf(payload, idField), address.toString());
                    return CompletableFuture.completedFuture(null);
                }
                message.putBytesProperty(Message.HDR_DUPLICATE_DETECTION_ID, id.get());
            }
        }
        OperationContext previous = storage.getContext();
        OperationContext ours = contextFor(broker);
        storage.setContext(ours);
        try {
            if (broker.getAddressInfo(address) == null) {
                // as the MQTT module does for a client's publish: auto-created, removed once nobody uses it
                broker.addAddressInfo(new AddressInfo(address, RoutingType.MULTICAST).setAutoCreated(true));
            }
            routing.build(address);
            Together batch = open.get();
            if (batch != null && batch.broker == broker) {
                CompletableFuture<Void> done = new CompletableFuture<>();
                batch.done.add(done);
                if (batch.failed == null) {
                    try {
                        broker.getPostOffice().route(message, routingContext(address, batch.tx), true);
                    } catch (Exception e) {
                        batch.failed = e; // nothing of the batch is routed: every output of it fails
                    }
                }
                return done;
            }
            broker.getPostOffice().route(message, routingContext(address, null), true);
            CompletableFuture<Void> done = new CompletableFuture<>();
            ours.executeOnCompletion(completing(List.of(done)));
            return done;
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        } finally {
            storage.setContext(previous);
        }
    }

    private static RoutingContextImpl routingContext(SimpleString address, Transaction tx) {
        RoutingContextImpl routed = new RoutingContextImpl(tx);
        routed.setAddress(address);
        routed.setRoutingType(RoutingType.MULTICAST);
        return routed;
    }

    /**
     * Runs {@code publishes} (on this thread): the outputs it {@link #publish publishes} are routed in one broker
     * transaction, committed once it has run: one journal commit and one completion for all of them instead of one
     * each, their subscribers' deliveries queued together. Each still completes (or fails) on its own future, all at
     * once when the commit is in the journal; if routing one of them fails, none is routed and all fail. Outputs the
     * broker already had complete at once, as in {@link #publish}.
     */
    public void together(Runnable publishes) {
        ActiveMQServer broker = server.get();
        if (open.get() != null || broker == null || !broker.isActive()) {
            publishes.run();
            return;
        }
        Together batch = new Together(broker, new TransactionImpl(broker.getStorageManager()));
        open.set(batch);
        try {
            publishes.run();
        } finally {
            open.remove();
            settle(batch);
        }
    }

    private void settle(Together batch) {
        if (batch.done.isEmpty()) {
            return;
        }
        StorageManager storage = batch.broker.getStorageManager();
        OperationContext previous = storage.getContext();
        OperationContext ours = contextFor(batch.broker);
        storage.setContext(ours);
        try {
            if (batch.failed != null || batch.tx.getState() == Transaction.State.ROLLBACK_ONLY) {
                batch.tx.rollback();
                Exception why = batch.failed != null ? batch.failed : new ActiveMQException("the broker refused one");
                batch.done.forEach(d -> d.completeExceptionally(why));
                return;
            }
            batch.tx.commit();
            ours.executeOnCompletion(completing(batch.done));
        } catch (Exception e) {
            batch.done.forEach(d -> d.completeExceptionally(e));
        } finally {
            storage.setContext(previous);
        }
    }

    /** Completes {@code done}, in order, once the journal has what the storage context lined up before it. */
    private static IOCallback completing(List<CompletableFuture<Void>> done) {
        return new IOCallback() {
            @Override
            public void done() {
                done.forEach(d -> d.complete(null));
            }

            @Override
            public void onError(int errorCode, String errorMessage) {
                ActiveMQException why =
                        new ActiveMQException("the broker's journal failed (" + errorCode + "): " + errorMessage);
                done.forEach(d -> d.completeExceptionally(why));
            }
        };
    }

    /** The outputs' own storage context, made again for a broker started again. */
    private OperationContext contextFor(ActiveMQServer broker) {
        OperationContext c = context;
        if (c == null || contextOf != broker) {
            synchronized (this) {
                if (context == null || contextOf != broker) {
                    context = broker.getStorageManager()
                            .newContext(broker.getExecutorFactory().getExecutor());
                    contextOf = broker;
                }
                c = context;
            }
        }
        return c;
    }
}
