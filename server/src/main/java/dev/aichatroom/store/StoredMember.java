package dev.aichatroom.store;

import java.util.Objects;
import java.util.Optional;

/**
 * A member of a room, as the store keeps it.
 *
 * @param joinTime ISO-8601, as published in the member list
 * @param lastSeenMillis epoch milliseconds of the member's last join or message
 * @param connection the MQTT client id of the connection that joined it, when the broker reported one
 */
public record StoredMember(
        String room,
        String clientId,
        String username,
        String source,
        String joinTime,
        long messageCount,
        long lastSeenMillis,
        Optional<String> connection) {
    public StoredMember {
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(joinTime, "joinTime");
        Objects.requireNonNull(connection, "connection");
    }
}
