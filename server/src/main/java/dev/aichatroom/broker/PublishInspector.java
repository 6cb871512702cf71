package dev.aichatroom.broker;

import java.util.List;
import java.util.Optional;

/**
 * Looks at client publishes on chosen topics before the broker routes them. A rejected publish is not delivered;
 * an MQTT 5 QoS 1 sender gets PUBACK 0x87. Accepted publishes on these topics carry two user properties stamped by
 * the broker: {@link #SENDER_CLIENT_ID} (the publisher's MQTT client id) and {@link #BROKER_MESSAGE_ID} (unique and
 * kept with the message, so the same on redelivery), except those {@link #take taken} in-process, which are never
 * redelivered and come with their sender only. Called on broker threads: never block.
 */
public interface PublishInspector {
    String SENDER_CLIENT_ID = "x-sender-client-id";
    String BROKER_MESSAGE_ID = "x-broker-message-id";

    /** MQTT topic filters of the publishes to inspect and stamp. */
    List<String> topicFilters();

    /**
     * Whether the broker slows the publishers of these topics while their consumer, the service, is behind
     * ({@code MQTT_INPUT_BACKLOG}, docs/decisions/0028-input-back-pressure.md): true for the chat inputs.
     */
    default boolean backPressure() {
        return false;
    }

    /**
     * @param senderClientId the publisher's MQTT client id
     * @param authenticated whether the publisher logged in with an account or token (not anonymous)
     * @return a reason to refuse the publish, or empty to let it through
     */
    Optional<String> inspect(String senderClientId, boolean authenticated, String topic, byte[] payload);

    /** Like {@link #inspect(String, boolean, String, byte[])}, for an inspector that cares whether it is retained. */
    default Optional<String> inspect(
            String senderClientId, boolean authenticated, String topic, byte[] payload, boolean retained) {
        return inspect(senderClientId, authenticated, topic, payload);
    }

    /**
     * Like {@link #inspect(String, boolean, String, byte[], boolean)}, for an inspector that limits per account.
     *
     * @param account the configured account the publisher logged in with; empty for anonymous clients, browser
     *     tokens and the service
     */
    default Optional<String> inspect(
            String senderClientId,
            Optional<String> account,
            boolean authenticated,
            String topic,
            byte[] payload,
            boolean retained) {
        return inspect(senderClientId, authenticated, topic, payload, retained);
    }

    /**
     * An accepted publish the broker hands to {@link #take} instead of routing it (decision 0050).
     *
     * @param atMostOnce sent at QoS 0: nobody waits for an acknowledgement
     * @param settle lets the broker acknowledge the publish (PUBACK, PUBREC) to its sender; safe to run more than once,
     *     from any thread, and only once the publish is stored: a publish whose {@code settle} never runs is never
     *     acknowledged
     */
    record Taken(String topic, byte[] payload, String senderClientId, boolean atMostOnce, Runnable settle) {}

    /**
     * Whether the accepted publishes of these topics go straight to {@link #take} right now, in this process, instead
     * of being routed to the subscriptions of their topic; asked on a broker thread before each is routed.
     */
    default boolean takes() {
        return false;
    }

    /**
     * Takes an accepted publish that was routed to no subscription (on a broker thread, after {@link #takes} said so):
     * never blocks.
     *
     * @return false if it cannot take it after all (stopping): the broker then closes the sender's connection without
     *     acknowledging the publish, so that it is sent again
     */
    default boolean take(Taken taken) {
        return false;
    }

    /**
     * Publishes {@link #take taken} and not settled yet: the input back-pressure ({@link #backPressure}) counts them
     * with the service's input queues.
     */
    default long waiting() {
        return 0;
    }
}
