package dev.aichatroom.chat;

/** Why an input was refused, in the error reply's terms (PROTOCOL.md §1.4). */
public record Rejection(Code code, String message) {
    public enum Code {
        INVALID_JSON,
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
        return new Rejection(code, message);
    }
}
