package dev.aichatroom.mqtt;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.unsubscribe.Mqtt5Unsubscribe;
import com.hivemq.client.mqtt.mqtt5.message.unsubscribe.Mqtt5UnsubscribeBuilder;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Empties the persistent session another instance left on the broker (decision 0043): connects once as its client id
 * (clean start false), stops the broker routing anything new to the session (UNSUBSCRIBE of its filters: Mosquitto
 * still hands over what it had queued), hands every queued message to a handler that acknowledges it once handled, and,
 * when nothing is unacknowledged and nothing has come for a moment, ends the session (DISCONNECT with session expiry
 * 0). Whatever goes wrong before that leaves the session as it was, for the next attempt: the CONNECT keeps the
 * session's expiry, and only what the handler acknowledged is gone from it.
 */
public final class SessionDrain {
    private SessionDrain() {}

    /** How a drain ended. */
    public enum Outcome {
        /** Every queued message handled and the session ended. */
        ENDED,
        /** The broker had no session for the client id: nothing was queued; the one the CONNECT made is ended. */
        NO_SESSION,
        /**
         * The client id connected again meanwhile and the broker said it gave it the session (DISCONNECT 0x8E): the rest is
         * its own. A broker that just closes the connection (Mosquitto 2.0.11) makes it {@link #FAILED}.
         */
        TAKEN_BACK,
        /** Refused, lost, too slow or stopping: the session stays (with what was not acknowledged) for a next try. */
        FAILED
    }

    /**
     * @param handled messages handed to the handler
     * @param skipped messages of other filters (not inputs), acknowledged and dropped
     * @param why for {@link Outcome#FAILED} and {@link Outcome#TAKEN_BACK}: what happened
     */
    public record Result(Outcome outcome, int handled, int skipped, String why) {}

    /**
     * Drains {@code settings.clientId()}'s session.
     *
     * @param connection the name the inputs carry ({@link Inbound#connection()})
     * @param filters the session's subscriptions, unsubscribed first
     * @param wanted which topics go to {@code handler}; the others are acknowledged and dropped
     * @param handler gets each message on the connection's event loop (it must not block) and acknowledges it once
     *     handled
     * @param quiet how long nothing may come, with nothing unacknowledged, before the session counts as empty
     * @param limit the longest the drain may take before it gives up (leaving the session)
     * @param stopping true when the caller stops: the drain gives up
     * @param gone runs (on the client's thread) as soon as the connection ends other than by the drain's own end: what
     *     the handler has not stored yet the broker keeps, and hands over to whoever takes the session next
     */
    public static Result drain(
            MqttSettings settings,
            String connection,
            List<String> filters,
            Predicate<String> wanted,
            Consumer<Inbound> handler,
            Duration quiet,
            Duration limit,
            BooleanSupplier stopping,
            Runnable gone) {
        AtomicReference<String> takenBack = new AtomicReference<>();
        AtomicReference<String> lost = new AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean ending = new java.util.concurrent.atomic.AtomicBoolean();
        AtomicReference<Mqtt5AsyncClient> built = new AtomicReference<>();
        Mqtt5AsyncClient client = MqttConnection.builder(settings, settings.clientId())
                // the dead instance's own Receive Maximum, and the service's window on top: Mosquitto before 2.0.13
                // sends the session's messages in flight, and more, beyond it (decision 0018)
                .addConnectedListener(ctx -> MqttConnection.holdBackBeyondWindow(
                        built.get(),
                        InboundWindow.forReceiveMaximum(settings.receiveMaximum()),
                        settings.host() + ":" + settings.port()))
                .addDisconnectedListener(ctx -> {
                    if (!ending.get()) {
                        gone.run();
                    }
                    if (ctx.getCause() instanceof Mqtt5DisconnectException d
                            && d.getMqttMessage().getReasonCode() == Mqtt5DisconnectReasonCode.SESSION_TAKEN_OVER) {
                        takenBack.set(
                                "the broker gave the session to a new connection as '" + settings.clientId() + "'");
                    } else {
                        lost.set(MqttConnection.rootMessage(ctx.getCause()));
                    }
                })
                .buildAsync();
        built.set(client);
        AtomicInteger unacknowledged = new AtomicInteger();
        AtomicInteger handled = new AtomicInteger();
        AtomicInteger skipped = new AtomicInteger();
        AtomicLong lastActivity = new AtomicLong(System.nanoTime());
        client.publishes(
                MqttGlobalPublishFilter.ALL,
                publish -> {
                    lastActivity.set(System.nanoTime());
                    String topic = publish.getTopic().toString();
                    if (publish.getQos() == MqttQos.AT_MOST_ONCE
                            || publish.isRetain()
                            || !wanted.test(topic)
                            || takenBack.get() != null) {
                        skipped.incrementAndGet();
                        publish.acknowledge();
                        return;
                    }
                    unacknowledged.incrementAndGet();
                    handled.incrementAndGet();
                    handler.accept(inbound(publish, connection, () -> {
                        lastActivity.set(System.nanoTime());
                        unacknowledged.decrementAndGet();
                        publish.acknowledge();
                    }));
                },
                true);
        long deadline = System.nanoTime() + limit.toNanos();
        try {
            Mqtt5ConnAck ack = client.connectWith()
                    .cleanStart(false)
                    // the session's own expiry: a drain that dies here leaves it for the next attempt
                    .sessionExpiryInterval(settings.sessionExpirySeconds())
                    .keepAlive(settings.keepAliveSeconds())
                    .restrictions()
                    .receiveMaximum(settings.receiveMaximum())
                    .applyRestrictions()
                    .send()
                    .get(MqttConnection.CONNECT_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
            if (!ack.isSessionPresent()) {
                ending.set(true);
                end(client);
                return new Result(Outcome.NO_SESSION, 0, 0, "");
            }
            if (!filters.isEmpty()) {
                client.unsubscribe(unsubscription(filters))
                        .get(MqttConnection.CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
            lastActivity.set(System.nanoTime());
            while (true) {
                if (takenBack.get() != null) {
                    return new Result(Outcome.TAKEN_BACK, handled.get(), skipped.get(), takenBack.get());
                }
                if (lost.get() != null) {
                    // Mosquitto 2.0.11 closes a connection whose session a new one took without a DISCONNECT
                    return new Result(
                            Outcome.FAILED,
                            handled.get(),
                            skipped.get(),
                            "connection lost, maybe to a new connection as '" + settings.clientId() + "': "
                                    + lost.get());
                }
                if (stopping.getAsBoolean() || System.nanoTime() > deadline) {
                    client.disconnect(); // the session stays, with what was not acknowledged
                    return new Result(
                            Outcome.FAILED,
                            handled.get(),
                            skipped.get(),
                            stopping.getAsBoolean()
                                    ? "stopping"
                                    : unacknowledged.get() + " input(s) not handled after " + limit.toSeconds() + " s");
                }
                if (unacknowledged.get() == 0 && System.nanoTime() - lastActivity.get() >= quiet.toNanos()) {
                    break;
                }
                Thread.sleep(50);
            }
            ending.set(true);
            end(client);
            return new Result(Outcome.ENDED, handled.get(), skipped.get(), "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            client.disconnect();
            return new Result(Outcome.FAILED, handled.get(), skipped.get(), "interrupted");
        } catch (Exception e) {
            client.disconnect();
            String why = takenBack.get() != null ? takenBack.get() : MqttConnection.rootMessage(e);
            return new Result(
                    takenBack.get() != null ? Outcome.TAKEN_BACK : Outcome.FAILED, handled.get(), skipped.get(), why);
        }
    }

    /**
     * Ends {@code settings.clientId()}'s session without reading it (clean start, session expiry 0): for a session whose
     * messages nobody needs, such as a dead instance's output witness copies.
     *
     * @return empty when ended, else why not
     */
    public static java.util.Optional<String> discard(MqttSettings settings) {
        Mqtt5AsyncClient client =
                MqttConnection.builder(settings, settings.clientId()).buildAsync();
        try {
            client.connectWith()
                    .cleanStart(true)
                    .sessionExpiryInterval(0)
                    .send()
                    .get(MqttConnection.CONNECT_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
            client.disconnect().get(MqttConnection.CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return java.util.Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java.util.Optional.of("interrupted");
        } catch (Exception e) {
            client.disconnect();
            return java.util.Optional.of(MqttConnection.rootMessage(e));
        }
    }

    /** DISCONNECT with session expiry 0: the broker forgets the session. */
    private static void end(Mqtt5AsyncClient client) throws Exception {
        client.disconnectWith()
                .sessionExpiryInterval(0)
                .send()
                .get(MqttConnection.CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static Mqtt5Unsubscribe unsubscription(List<String> filters) {
        Mqtt5UnsubscribeBuilder.Complete unsubscribe = null;
        for (String filter : filters) {
            unsubscribe = unsubscribe == null
                    ? Mqtt5Unsubscribe.builder().topicFilter(filter)
                    : unsubscribe.addTopicFilter(filter);
        }
        return unsubscribe.build();
    }

    private static Inbound inbound(Mqtt5Publish publish, String connection, Runnable ack) {
        List<Map.Entry<String, String>> properties = publish.getUserProperties().asList().stream()
                .map(p -> (Map.Entry<String, String>) new AbstractMap.SimpleImmutableEntry<>(
                        p.getName().toString(), p.getValue().toString()))
                .toList();
        return new Inbound(
                publish.getTopic().toString(), publish.getPayloadAsBytes(), properties, ack, connection, false);
    }
}
