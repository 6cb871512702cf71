package dev.aichatroom.bench;

/** The benchmark cannot go on: a bad option, a missing jar or binary, a process that did not start. */
public final class BenchException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BenchException(String message) {
        super(message);
    }

    public BenchException(String message, Throwable cause) {
        super(message, cause);
    }
}
