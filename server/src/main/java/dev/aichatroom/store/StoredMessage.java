package dev.aichatroom.store;

import java.util.Objects;
import java.util.Optional;

/**
 * One message of a room's history.
 *
 * @param timestamp ISO-8601 with microseconds and offset, as published
 * @param dedupeKey identifies the input the message came from, so a redelivered input is stored once; empty when the
 *     input carries no such key
 */
public record StoredMessage(
        String messageId,
        String room,
        String type,
        String clientId,
        String username,
        String content,
        String source,
        Optional<String> replyTo,
        String timestamp,
        Optional<String> dedupeKey) {
    public StoredMessage {
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(replyTo, "replyTo");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(dedupeKey, "dedupeKey");
    }
}
