package dev.aichatroom.ai;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Why a reply could not be produced, with whether trying again may help and when. The message is the detail for the
 * log and {@code /health} (it may hold the provider's own words or an exception's); what the room is told is made
 * from the kind, the HTTP status and the limit that was hit only ({@link Texts#failed}).
 */
final class AiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    enum Kind {
        /** HTTP 429 or the provider's own rate limit. */
        RATE_LIMITED(true),
        /** HTTP 401/403: the key is wrong or missing. */
        UNAUTHORIZED(false),
        /** HTTP 5xx, a broken connection before any output, or an answer that could not be read. */
        PROVIDER_ERROR(true),
        /** Any other HTTP 4xx: the request or the model name is wrong. */
        BAD_REQUEST(false),
        /**
         * No first output within the first-token timeout, counted from the question's admission (waiting in the queue
         * included): the asker's time is spent, so this is not retried.
         */
        NO_FIRST_TOKEN(false),
        /** The call took longer than the request timeout. */
        TIMEOUT(false),
        /** The stream began, then sent nothing for the idle-token timeout. */
        STALLED(false),
        /** The stream stopped before the model finished. */
        INTERRUPTED(false),
        /** The provider failed too often in a row; the circuit breaker does not call it for a while. */
        PAUSED(false),
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
    private final transient OptionalInt status;
    private final transient Optional<Duration> limit;

    AiException(
            Kind kind,
            String detail,
            Optional<Duration> retryAfter,
            OptionalInt status,
            Optional<Duration> limit,
            Throwable cause) {
        super(detail, cause);
        this.kind = kind;
        this.retryAfter = retryAfter;
        this.status = status;
        this.limit = limit;
    }

    AiException(Kind kind, String detail, Optional<Duration> retryAfter, Throwable cause) {
        this(kind, detail, retryAfter, OptionalInt.empty(), Optional.empty(), cause);
    }

    AiException(Kind kind, String detail) {
        this(kind, detail, Optional.empty(), null);
    }

    /** A limit was hit: no first token, the total time, an idle stream, the breaker's pause. */
    static AiException limit(Kind kind, Duration limit, String detail) {
        return new AiException(kind, detail, Optional.empty(), OptionalInt.empty(), Optional.of(limit), null);
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

    /** The provider's HTTP status, when it answered with an error status. */
    OptionalInt status() {
        return status == null ? OptionalInt.empty() : status;
    }

    /** The limit that was hit, for the limit kinds. */
    Optional<Duration> limit() {
        return limit == null ? Optional.empty() : limit;
    }
}
