package dev.aichatroom.store;

/** The message store failed; {@link #retriable()} tells whether trying again may help. */
public final class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final boolean retriable;

    public StoreException(String message, Throwable cause, boolean retriable) {
        super(message, cause);
        this.retriable = retriable;
    }

    public boolean retriable() {
        return retriable;
    }
}
