package dev.aichatroom.chat;

import java.util.Optional;

/**
 * A member of a room.
 *
 * @param connection the MQTT client id of the connection that joined it, when the broker told us; the member leaves
 *     when that connection goes away
 * @param lastSeenMillis epoch milliseconds of its last join or message; idle expiry counts from it
 */
public record Member(
        String clientId,
        String username,
        String source,
        String joinTime,
        long messageCount,
        Optional<String> connection,
        long lastSeenMillis) {
    Member counted(long nowMillis) {
        return new Member(clientId, username, source, joinTime, messageCount + 1, connection, nowMillis);
    }

    /** This member joined again as {@code again}: new name, source and connection, same join time and count. */
    Member rejoined(Member again) {
        return new Member(
                clientId, again.username, again.source, joinTime, messageCount, again.connection, again.lastSeenMillis);
    }
}
