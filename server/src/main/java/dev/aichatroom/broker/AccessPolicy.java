package dev.aichatroom.broker;

import dev.aichatroom.mqtt.TopicFilter;
import java.util.List;

/**
 * Who may publish and subscribe where. The service account may do anything but touch the broker's own
 * {@code $sys} addresses; every other client:
 *
 * <ul>
 *   <li>may not publish on {@code serviceOnlyPublish} filters (the service's output topics);
 *   <li>under an {@code ownerPrefixes} prefix may only use its own client id as the next level, e.g.
 *       {@code $webrtc/{its id}/…};
 *   <li>under MCP over MQTT's topics may only speak for itself ({@link McpTopics});
 *   <li>may not subscribe to filters starting with a wildcard ({@code #}, {@code +/…}): the broker would let those
 *       see retained {@code $} topics.
 * </ul>
 */
public record AccessPolicy(List<String> serviceOnlyPublish, List<String> ownerPrefixes) {
    public AccessPolicy {
        serviceOnlyPublish = List.copyOf(serviceOnlyPublish);
        ownerPrefixes = List.copyOf(ownerPrefixes);
    }

    public static AccessPolicy openToAll() {
        return new AccessPolicy(List.of(), List.of());
    }

    boolean mayPublish(ClientIdentity who, String topic) {
        if (isBrokerInternal(topic)) {
            return false;
        }
        if (who.isService()) {
            return true;
        }
        return ownsTopic(who, topic)
                && McpTopics.mayPublish(who.clientId(), topic)
                && serviceOnlyPublish.stream().noneMatch(f -> TopicFilter.matches(f, topic));
    }

    boolean maySubscribe(ClientIdentity who, String filter) {
        if (isBrokerInternal(filter)) {
            return false;
        }
        if (who.isService()) {
            return true;
        }
        String first = filter.split("/", 2)[0];
        return !first.equals("#")
                && !first.equals("+")
                && ownsTopic(who, filter)
                && McpTopics.maySubscribe(who.clientId(), filter);
    }

    private boolean ownsTopic(ClientIdentity who, String topic) {
        for (String prefix : ownerPrefixes) {
            if (topic.startsWith(prefix)) {
                String next = topic.substring(prefix.length()).split("/", 2)[0];
                return next.equals(who.clientId());
            }
        }
        return true;
    }

    private static boolean isBrokerInternal(String topic) {
        return topic.regionMatches(true, 0, "$sys", 0, 4);
    }
}
