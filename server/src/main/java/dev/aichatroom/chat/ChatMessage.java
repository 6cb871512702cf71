package dev.aichatroom.chat;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;
import java.util.Optional;

/**
 * A message of a room as published on {@code …/messages/out}: the seed's five fields first ({@code type, username,
 * content, timestamp, message_id}), then ours.
 */
@JsonPropertyOrder({"type", "username", "content", "timestamp", "message_id", "room", "client_id", "source", "reply_to"
})
public record ChatMessage(
        String type,
        String username,
        String content,
        String timestamp,
        String messageId,
        String room,
        String clientId,
        String source,
        Optional<String> replyTo) {
    public static final String USER_MESSAGE = "user_message";
    public static final String AI_RESPONSE = "ai_response";

    public ChatMessage {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(replyTo, "replyTo");
    }
}
