package dev.aichatroom.mqtt;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One message the broker delivered. {@link #acknowledge()} once it is safely handled (QoS 1 messages only).
 *
 * @param connection names the service connection it came on (a redelivery comes on a later one)
 * @param atMostOnce delivered at QoS 0: the broker will not hand it over again, whether it is acknowledged or not
 */
public record Inbound(
        String topic,
        byte[] payload,
        List<Map.Entry<String, String>> userProperties,
        Runnable ack,
        String connection,
        boolean atMostOnce) {
    public Inbound {
        userProperties = List.copyOf(userProperties);
    }

    public Inbound(String topic, byte[] payload, List<Map.Entry<String, String>> userProperties, Runnable ack) {
        this(topic, payload, userProperties, ack, "", false);
    }

    public void acknowledge() {
        ack.run();
    }

    /** The last value of a user property: a broker stamp is appended after anything the sender set. */
    public Optional<String> lastUserProperty(String key) {
        String value = null;
        for (Map.Entry<String, String> e : userProperties) {
            if (e.getKey().equals(key)) {
                value = e.getValue();
            }
        }
        return Optional.ofNullable(value);
    }
}
