package dev.aichatroom.chat;

import java.util.Optional;

/**
 * A member of a room.
 *
 * @param connection the MQTT client id of the connection that joined it, when the broker told us; the member leaves
 *     when that connection goes away
 */
public record Member(
        String clientId,
        String username,
        String source,
        String joinTime,
        int messageCount,
        Optional<String> connection,
        long lastSeenNanos) {
    Member counted(long now) {
        return new Member(clientId, username, source, joinTime, messageCount + 1, connection, now);
    }

    Member renamed(String newName, String newSource, Optional<String> newConnection, long now) {
        return new Member(clientId, newName, newSource, joinTime, messageCount, newConnection, now);
    }
}
