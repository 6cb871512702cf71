package dev.aichatroom.chat;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * Why an input was refused, in the error reply's terms (PROTOCOL.md §1.4).
 *
 * @param messageId the refused input's own {@code message_id}, when it had one: the error reply names it, so that a
 *     client knows which of its messages was not taken
 * @param retryAfterMs for {@code RATE_LIMITED}: how long until the sender may send again
 */
public record Rejection(Code code, String message, Optional<String> messageId, OptionalLong retryAfterMs) {
    public enum Code {
        INVALID_JSON,
        /** Not well-formed UTF-8 (an overlong form, an encoded surrogate), or a lone surrogate in a JSON string. */
        INVALID_ENCODING,
        /** A control character: any in a name, any but newline and tab in a message. */
        CONTROL_CHARACTER,
        /** A bidi embedding, override or isolate in a name (it can make a name read as another). */
        BIDI_CONTROL,
        /** A client id with {@code / + #}, which cannot stand as one level of its error topic. */
        INVALID_CLIENT_ID,
        /** A username that is, or looks like, the assistant's or the system's name. */
        RESERVED_NAME,
        /** A message of nothing, or of nothing visible (spaces, U+200B, U+2060, U+2800, U+3000, U+FEFF, …). */
        EMPTY_MESSAGE,
        MISSING_FIELD,
        TOO_LARGE,
        RATE_LIMITED,
        FORBIDDEN,
        INVALID_ROOM,
        BUSY,
        /** The service could not take the input in (its message store failed); sending it again may work. */
        UNAVAILABLE
    }

    public static Rejection of(Code code, String message) {
        return new Rejection(code, message, Optional.empty(), OptionalLong.empty());
    }

    /** This rejection, saying when the sender may try again. */
    public Rejection retryAfter(long millis) {
        return new Rejection(code, message, messageId, OptionalLong.of(millis));
    }

    /** This rejection, about the input with this {@code message_id} (if any). */
    public Rejection about(Optional<String> inputMessageId) {
        return inputMessageId.isEmpty() ? this : new Rejection(code, message, inputMessageId, retryAfterMs);
    }
}
