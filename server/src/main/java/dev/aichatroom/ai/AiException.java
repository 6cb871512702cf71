package dev.aichatroom.ai;

import java.time.Duration;
import java.util.Optional;

/** Why a reply could not be produced, with whether trying again may help and when. */
final class AiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    enum Kind {
        /** HTTP 429 or the provider's own rate limit. */
        RATE_LIMITED(true),
        /** HTTP 401/403: the key is wrong or missing. */
        UNAUTHORIZED(false),
        /** HTTP 5xx or a broken connection before any output. */
        PROVIDER_ERROR(true),
        /** Any other HTTP 4xx: the request or the model name is wrong. */
        BAD_REQUEST(false),
        /** No first output within the first-token timeout. */
        NO_FIRST_TOKEN(true),
        /** The call took longer than the request timeout. */
        TIMEOUT(false),
        /** The stream stopped before the model finished. */
        INTERRUPTED(false),
        /** The model cannot run here (local model missing, JVM without the vector module). */
        UNAVAILABLE(false),
        /** The assistant is stopping. */
        STOPPED(false);

        private final boolean retriable;

        Kind(boolean retriable) {
            this.retriable = retriable;
        }
    }

    private final Kind kind;
    private final transient Optional<Duration> retryAfter;

    AiException(Kind kind, String detail, Optional<Duration> retryAfter, Throwable cause) {
        super(detail, cause);
        this.kind = kind;
        this.retryAfter = retryAfter;
    }

    AiException(Kind kind, String detail) {
        this(kind, detail, Optional.empty(), null);
    }

    Kind kind() {
        return kind;
    }

    boolean retriable() {
        return kind.retriable;
    }

    /** The wait the provider asked for (HTTP {@code Retry-After}), if it did. */
    Optional<Duration> retryAfter() {
        return retryAfter == null ? Optional.empty() : retryAfter;
    }
}
