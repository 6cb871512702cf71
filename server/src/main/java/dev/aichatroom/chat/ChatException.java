package dev.aichatroom.chat;

/** A chat operation refused, with the protocol's error code. */
public final class ChatException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final Rejection rejection;

    public ChatException(Rejection rejection) {
        super(rejection.message());
        this.rejection = rejection;
    }

    public Rejection rejection() {
        return rejection;
    }
}
