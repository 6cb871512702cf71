package dev.aichatroom.broker.artemis;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.activemq.artemis.api.core.ActiveMQException;
import org.apache.activemq.artemis.api.core.Message;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.RoutingContext;
import org.apache.activemq.artemis.core.server.ServerSession;
import org.apache.activemq.artemis.core.server.plugin.ActiveMQServerPlugin;
import org.apache.activemq.artemis.core.transaction.Transaction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes each output of the service once, even when the service publishes it again after a crash (decision 0041).
 *
 * <p>An output the service publishes (a message of {@code publisher} on an address {@code outputs} accepts) carries
 * its {@code message_id} (read from its JSON payload) as the broker's duplicate id ({@link
 * Message#HDR_DUPLICATE_DETECTION_ID}): the broker records it in the address's persisted duplicate-id cache in the
 * same journal transaction as the message itself, so after a crash it knows exactly the outputs it took. When the
 * restarted service publishes again an output whose marking had not committed, its id is in the cache: the output is
 * routed to no queue and the publish is acknowledged as usual (Artemis' own duplicate check would refuse it with an
 * error that closes the service's MQTT connection, so the check is made here, before it).
 *
 * <p>No other client can set a duplicate id: MQTT user properties reach the broker under names of their own
 * ({@code mqtt.ordered.user.property.…}), and a duplicate-id header on any other message is removed before routing,
 * so nobody can have another's message dropped as a repeat.
 *
 * <p>A plugin of its own, with no other class of the product (like {@link PublisherOrder}).
 */
public final class OutputDuplicates implements ActiveMQServerPlugin {
    private static final Logger LOG = LoggerFactory.getLogger(OutputDuplicates.class);
    private static final JsonFactory JSON = new JsonFactory();
    private static final SimpleString BRIDGE_ID = Message.HDR_BRIDGE_DUPLICATE_ID;

    /** The message being sent on this thread that is a repeat (routed to no queue by {@link #beforeMessageRoute}). */
    private static final ThreadLocal<Message> REPEAT = new ThreadLocal<>();

    private final String publisher;
    private final Predicate<SimpleString> outputs;
    private final String idField;
    private final java.util.concurrent.atomic.AtomicLong repeats = new java.util.concurrent.atomic.AtomicLong();
    private volatile ActiveMQServer server;

    /**
     * @param publisher the user name the service's connections log in with
     * @param outputs whether a (core) address is one of the service's outputs
     * @param idField the top-level field of an output's JSON payload that names it
     */
    public OutputDuplicates(String publisher, Predicate<SimpleString> outputs, String idField) {
        this.publisher = publisher;
        this.outputs = outputs;
        this.idField = idField;
    }

    @Override
    public void registered(ActiveMQServer server) {
        this.server = server;
    }

    @Override
    public void beforeSend(
            ServerSession session, Transaction tx, Message message, boolean direct, boolean noAutoCreateQueue)
            throws ActiveMQException {
        if (!PublisherOrder.isMqtt(session.getRemotingConnection())) {
            return;
        }
        if (!publisher.equals(session.getUsername())) {
            forgetForged(session, message);
            return;
        }
        SimpleString address = message.getAddressSimpleString();
        if (address == null || !outputs.test(address)) {
            return;
        }
        Optional<byte[]> id = id(message);
        if (id.isEmpty()) {
            return;
        }
        ActiveMQServer broker = server;
        if (broker != null
                && broker.getPostOffice().getDuplicateIDCache(address).contains(id.get())) {
            REPEAT.set(message);
            return;
        }
        message.putBytesProperty(Message.HDR_DUPLICATE_DETECTION_ID, id.get());
    }

    /** A repeat the service published again: routed to no queue, and acknowledged like any publish. */
    @Override
    public void beforeMessageRoute(Message message, RoutingContext context, boolean direct, boolean rejectDuplicates) {
        if (REPEAT.get() == message) {
            REPEAT.remove();
            context.clear();
            notRoutedAgain(idOf(payload(message), idField), message.getAddress());
        }
    }

    /**
     * Says that an output the broker had already taken was published again and not routed (the log: 1, 4, 16, 64, …
     * of them at info, the others at debug).
     *
     * @param id its {@code message_id}, as the service wrote it (client-supplied text: escaped here)
     */
    public void notRoutedAgain(String id, String address) {
        long n = repeats.incrementAndGet();
        if (Long.bitCount(n) == 1 && Long.numberOfTrailingZeros(n) % 2 == 0) { // 1, 4, 16, 64, …
            LOG.info(
                    "{} output(s) so far were published again after the broker had taken them (before a restart):"
                            + " not routed again (the latest {} on {})",
                    n,
                    safe(id),
                    safe(address));
        } else {
            LOG.debug("Output {} on {} not routed again", safe(id), safe(address));
        }
    }

    /** Only the service names outputs: a duplicate id on anyone else's message goes before it is routed. */
    private static void forgetForged(ServerSession session, Message message) {
        if (message.getDuplicateProperty() != null) {
            message.removeProperty(Message.HDR_DUPLICATE_DETECTION_ID);
            LOG.warn("Removed a duplicate id from a message of '{}'", safe(session.getUsername()));
        }
        if (message.getExtraBytesProperty(BRIDGE_ID) != null) {
            message.removeExtraBytesProperty(BRIDGE_ID);
        }
    }

    /** The output's id as the broker keeps it. */
    private Optional<byte[]> id(Message message) {
        return duplicateId(payload(message), idField);
    }

    /**
     * The duplicate id of an output whose JSON payload names it in its top-level {@code field}: 16 bytes for a UUID,
     * its UTF-8 bytes otherwise; empty when it names none.
     */
    public static Optional<byte[]> duplicateId(byte[] payload, String field) {
        String text = idOf(payload, field);
        if (text == null || text.isEmpty()) {
            return Optional.empty();
        }
        try {
            UUID uuid = UUID.fromString(text);
            return Optional.of(ByteBuffer.allocate(16)
                    .putLong(uuid.getMostSignificantBits())
                    .putLong(uuid.getLeastSignificantBits())
                    .array());
        } catch (IllegalArgumentException notUuid) {
            return Optional.of(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static byte[] payload(Message message) {
        ByteBuf body = message.toCore().getDataBuffer().byteBuf();
        byte[] bytes = new byte[body.readableBytes()];
        body.getBytes(body.readerIndex(), bytes);
        return bytes;
    }

    /**
     * The string value of the top-level {@code field} of a JSON object, or null: a field of that name inside a nested
     * object, or text that looks like it inside a string, is not taken.
     */
    public static String idOf(byte[] json, String field) {
        try (JsonParser parser = JSON.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            for (JsonToken t = parser.nextToken(); t == JsonToken.FIELD_NAME; t = parser.nextToken()) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (name.equals(field)) {
                    return value == JsonToken.VALUE_STRING ? parser.getText() : null;
                }
                parser.skipChildren();
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Client-supplied text for the log: letters, digits and {@code ._:-} only, at most 64 characters. */
    static String safe(String text) {
        if (text == null) {
            return "?";
        }
        String kept = text.length() > 64 ? text.substring(0, 64) + "…" : text;
        return kept.replaceAll("[^0-9A-Za-z._:…-]", "?");
    }
}
