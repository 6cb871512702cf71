package dev.aichatroom.chat;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/** The service's other payloads: system notices, private errors, member lists, reply deltas. */
public final class Notifications {
    private Notifications() {}

    /** The seed's three fields, then (our addition) a stable code and its parameters when the notice has them. */
    @JsonPropertyOrder({"type", "message", "timestamp", "code", "params"})
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SystemMessage(
            String type, String message, String timestamp, String code, java.util.Map<String, String> params) {
        public SystemMessage(String message, String timestamp) {
            this("system_message", message, timestamp, null, null);
        }

        public SystemMessage(Notice notice, String timestamp) {
            this(
                    "system_message",
                    notice.text(),
                    timestamp,
                    notice.code().orElse(null),
                    notice.code().isPresent() ? new java.util.TreeMap<>(notice.params()) : null);
        }
    }

    /**
     * A private error; {@code message_id} (else absent) names the refused input when it carried one, {@code
     * retry_after_ms} (else absent) says when a rate-limited sender may send again.
     */
    @JsonPropertyOrder({"type", "code", "message", "timestamp", "message_id", "retry_after_ms"})
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ErrorReply(
            String type, String code, String message, String timestamp, String messageId, Long retryAfterMs) {
        public ErrorReply(Rejection rejection, String timestamp) {
            this(
                    "error",
                    rejection.code().name(),
                    rejection.message(),
                    timestamp,
                    rejection.messageId().orElse(null),
                    rejection.retryAfterMs().isPresent()
                            ? rejection.retryAfterMs().getAsLong()
                            : null);
        }
    }

    @JsonPropertyOrder({"client_id", "username", "source", "join_time"})
    public record OnlineUser(String clientId, String username, String source, String joinTime) {}

    /**
     * A room's members: the seed's {@code room}, {@code users}, {@code timestamp}; ours, {@code count} (all members)
     * and {@code truncated} ({@code users} names only the first {@link ChatService#ONLINE_LIST_MAX}).
     */
    @JsonPropertyOrder({"room", "users", "count", "truncated", "timestamp"})
    public record OnlineList(String room, List<OnlineUser> users, int count, boolean truncated, String timestamp) {}

    /**
     * The assistant took a question and is working on its reply ({@code messages/stream}): {@code message_id} is the
     * id its deltas and its {@code ai_response} will carry, {@code reply_to} the question's.
     */
    @JsonPropertyOrder({"type", "message_id", "reply_to", "username", "timestamp"})
    public record Thinking(String type, String messageId, String replyTo, String username, String timestamp) {
        public Thinking(String messageId, String replyTo, String username, String timestamp) {
            this("ai_thinking", messageId, replyTo, username, timestamp);
        }
    }

    /** A piece of a reply being written; {@code aborted} (else absent) marks a reply that will not be completed. */
    @JsonPropertyOrder({"type", "message_id", "seq", "delta", "aborted"})
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ReplyDelta(String type, String messageId, int seq, String delta, Boolean aborted) {
        public ReplyDelta(String messageId, int seq, String delta) {
            this("ai_response_delta", messageId, seq, delta, null);
        }

        static ReplyDelta aborted(String messageId, int seq) {
            return new ReplyDelta("ai_response_delta", messageId, seq, "", true);
        }
    }
}
