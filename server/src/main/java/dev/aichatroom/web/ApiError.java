package dev.aichatroom.web;

/** An HTTP API error: answered as {@code {"success":false,"error":{"code","message"}}} with {@link #status}. */
public final class ApiError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String code;

    public ApiError(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }
}
