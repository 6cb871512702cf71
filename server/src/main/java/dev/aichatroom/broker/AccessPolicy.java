package dev.aichatroom.broker;

import dev.aichatroom.mqtt.TopicFilter;
import java.util.List;
import java.util.Optional;

/**
 * Who may use which client id, and publish and subscribe where. The service account may do anything but touch the
 * broker's own {@code $sys} addresses; every other client:
 *
 * <ul>
 *   <li>may not connect with a client id that starts with {@code serviceClientIds} (the service's own connections:
 *       chat, MCP, presence, the member reader), so that nobody can take over the service's sessions;
 *   <li>may not publish on {@code serviceOnlyPublish} filters (the service's output topics);
 *   <li>may not subscribe to a filter that could match a topic of a {@code serviceOnlyRead} filter (the raw inputs),
 *       whatever its wildcards: {@code chatroom/#}, {@code chatroom/+/+/in} and {@code chatroom/messages/in/#} are
 *       refused alike;
 *   <li>under an {@code ownerPrefixes} prefix may only use its own client id as the next level, e.g.
 *       {@code $webrtc/{its id}/…} or {@code chatroom/clients/{its id}/errors};
 *   <li>may not subscribe to a filter that could match another client's {@code privateTopics} (templates such as
 *       {@code chatroom/clients/%c/errors}, {@code %c} standing for the owner's client id), whatever its wildcards:
 *       {@code chatroom/#}, {@code chatroom/+/+/errors} and {@code chatroom/+/other/errors} are refused,
 *       {@code chatroom/+/messages/out} and {@code chatroom/+/{its id}/errors} are not;
 *   <li>under MCP over MQTT's topics may only speak for itself ({@link McpTopics}).
 * </ul>
 *
 * A filter starting with a wildcard ({@code #}, {@code +/…}) is judged like any other: it never matches a {@code $}
 * topic (MQTT 5 §4.7.2, which {@link BrokerHooks} makes true for retained messages too), so {@code +/+} is allowed and
 * {@code #} is refused only because it could match the raw inputs and other clients' private topics.
 *
 * A shared subscription ({@code $share/group/filter}) is judged by its filter.
 */
public record AccessPolicy(
        List<String> serviceOnlyPublish,
        List<String> serviceOnlyRead,
        List<String> ownerPrefixes,
        List<String> privateTopics,
        Optional<String> serviceClientIds) {
    /** The owner's client id in a {@code privateTopics} template. */
    public static final String OWNER = "%c";

    public AccessPolicy {
        serviceOnlyPublish = List.copyOf(serviceOnlyPublish);
        serviceOnlyRead = List.copyOf(serviceOnlyRead);
        ownerPrefixes = List.copyOf(ownerPrefixes);
        privateTopics = List.copyOf(privateTopics);
        for (String t : privateTopics) {
            if (!java.util.Arrays.asList(t.split("/", -1)).contains(OWNER) || t.startsWith(OWNER)) {
                throw new IllegalArgumentException("a private topic names its owner as a level " + OWNER + ": " + t);
            }
        }
        if (serviceClientIds.filter(String::isEmpty).isPresent()) {
            throw new IllegalArgumentException("the service's client id prefix must not be empty");
        }
    }

    public static AccessPolicy openToAll() {
        return new AccessPolicy(List.of(), List.of(), List.of(), List.of(), Optional.empty());
    }

    /** A reason why {@code who} may not connect with its client id; empty when it may. */
    Optional<String> clientIdRefusal(ClientIdentity who) {
        if (who.isService()) {
            return Optional.empty();
        }
        return serviceClientIds
                .filter(prefix -> who.clientId().startsWith(prefix))
                .map(prefix -> "client ids starting with '" + prefix + "' are the service's own");
    }

    boolean mayPublish(ClientIdentity who, String topic) {
        if (isBrokerInternal(topic)) {
            return false;
        }
        if (who.isService()) {
            return true;
        }
        // loops, not streams: this runs on the broker's threads for every publish (issue 13: the pipelines and the
        // split levels were a tenth of what the chat path allocated)
        for (String prefix : ownerPrefixes) {
            if (!onlyOwn(who.clientId(), topic, prefix)) {
                return false;
            }
        }
        if (!McpTopics.mayPublish(who.clientId(), topic)) {
            return false;
        }
        for (String filter : serviceOnlyPublish) {
            if (TopicFilter.matches(filter, topic)) {
                return false;
            }
        }
        return true;
    }

    boolean maySubscribe(ClientIdentity who, String filter) {
        String bare = withoutShare(filter);
        if (isBrokerInternal(bare)) {
            return false;
        }
        if (who.isService()) {
            return true;
        }
        return serviceOnlyRead.stream().noneMatch(f -> intersects(bare, f))
                && ownerPrefixes.stream().allMatch(prefix -> onlyOwn(who.clientId(), bare, prefix))
                && privateTopics.stream().allMatch(t -> onlyOwnPrivate(who.clientId(), bare, t))
                && McpTopics.maySubscribe(who.clientId(), bare);
    }

    /** Whether the level after {@code prefix}, if {@code topic} starts with it, is {@code clientId}. */
    static boolean onlyOwn(String clientId, String topic, String prefix) {
        if (!topic.startsWith(prefix)) {
            return true;
        }
        int from = prefix.length();
        int slash = topic.indexOf('/', from);
        int end = slash < 0 ? topic.length() : slash;
        return end - from == clientId.length() && topic.startsWith(clientId, from);
    }

    /**
     * Whether every topic of the private template {@code template} ({@code %c} standing for its owner's client id)
     * that {@code filter} can match is {@code clientId}'s.
     */
    static boolean onlyOwnPrivate(String clientId, String filter, String template) {
        String[] t = template.split("/", -1);
        int owner = java.util.Arrays.asList(t).indexOf(OWNER);
        if (!intersects(filter, template.replace(OWNER, "+"))) {
            return true;
        }
        String[] f = filter.split("/", -1);
        for (int i = 0; i < owner; i++) {
            if (f[i].equals("#")) {
                return false;
            }
        }
        return f.length > owner && f[owner].equals(clientId);
    }

    /** Whether some topic name matches both filters (MQTT 5 §4.7, with §4.7.2: a leading wildcard skips '$' topics). */
    static boolean intersects(String a, String b) {
        String[] x = a.split("/", -1);
        String[] y = b.split("/", -1);
        for (int i = 0; ; i++) {
            boolean xEnd = i >= x.length;
            boolean yEnd = i >= y.length;
            if (i == 0 && (isDollar(x[0]) && isWildcard(y[0]) || isDollar(y[0]) && isWildcard(x[0]))) {
                return false;
            }
            if (!xEnd && x[i].equals("#") || !yEnd && y[i].equals("#")) {
                return true; // '#' matches the parent level and anything below it
            }
            if (xEnd || yEnd) {
                return xEnd && yEnd;
            }
            if (!x[i].equals("+") && !y[i].equals("+") && !x[i].equals(y[i])) {
                return false;
            }
        }
    }

    private static String withoutShare(String filter) {
        if (filter.startsWith("$share/")) {
            String[] parts = filter.split("/", 3);
            return parts.length == 3 ? parts[2] : "";
        }
        return filter;
    }

    private static boolean isWildcard(String level) {
        return level.equals("#") || level.equals("+");
    }

    private static boolean isDollar(String level) {
        return level.startsWith("$");
    }

    private static boolean isBrokerInternal(String topic) {
        return topic.regionMatches(true, 0, "$sys", 0, 4);
    }
}
