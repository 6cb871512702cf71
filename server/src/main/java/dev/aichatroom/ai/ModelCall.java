package dev.aichatroom.ai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aichatroom.ai.AiException.Kind;
import dev.langchain4j.exception.HttpException;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.PartialToolCall;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import java.io.IOException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One streaming call of the model as a blocking loop on the caller's (virtual) thread: text is handed to an {@link
 * Output} as it arrives (chunks that queued up meanwhile are joined), the first output must come within the
 * first-token timeout and the whole call within the timeout. When the call ends early for any reason its stream is
 * aborted. Every failure becomes one {@link AiException}.
 */
final class ModelCall {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Receives the reply's text as it streams. */
    interface Output {
        /** @return false to stop the call here (the reply is long enough) */
        boolean text(String chunk);
    }

    private sealed interface Event {
        record Text(String text) implements Event {}

        record Alive() implements Event {}

        record Done(ChatResponse response) implements Event {}

        record Failed(Throwable error) implements Event {}
    }

    private final StreamingChatModel model;
    private final Duration timeout;
    private final Duration firstTokenTimeout;
    private final Duration idleTimeout;

    /**
     * @param timeout the longest the whole call may take
     * @param firstTokenTimeout what the asker was promised: named when the first output does not come in time
     * @param idleTimeout the longest silence of a stream that has begun
     */
    ModelCall(StreamingChatModel model, Duration timeout, Duration firstTokenTimeout, Duration idleTimeout) {
        this.model = model;
        this.timeout = timeout;
        this.firstTokenTimeout = firstTokenTimeout;
        this.idleTimeout = idleTimeout;
    }

    /**
     * Runs the call.
     *
     * @param firstOutputBy the {@link System#nanoTime()} by which the first output must have come (the question's
     *     deadline, which the time it waited in the queue has already used up in part)
     * @return the complete response, or empty when {@code output} stopped it
     * @throws AiException when the model fails, is too slow, or the thread is interrupted
     */
    Optional<ChatResponse> run(ChatRequest request, long firstOutputBy, Output output) {
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        List<Runnable> aborts = new CopyOnWriteArrayList<>();
        Handler handler = new Handler(events);
        long start = System.nanoTime();
        long endBy = start + timeout.toNanos();
        if (firstOutputBy - start <= 0) {
            throw noFirstToken();
        }
        Thread.ofVirtual().name("ai-model-call").start(() -> {
            try {
                ProviderHttpClient.capturingAborts(aborts::add, () -> model.chat(request, handler));
            } catch (RuntimeException | Error e) {
                events.add(new Event.Failed(e));
            }
        });
        boolean started = false;
        try {
            while (true) {
                long now = System.nanoTime();
                long waitUntil =
                        started ? Math.min(endBy, now + idleTimeout.toNanos()) : Math.min(endBy, firstOutputBy);
                Event event = events.poll(waitUntil - now, TimeUnit.NANOSECONDS);
                if (event == null) {
                    throw timedOut(started, System.nanoTime() - endBy >= 0);
                }
                started |= !(event instanceof Event.Failed);
                switch (event) {
                    case Event.Text t -> {
                        if (!output.text(joinQueuedText(t.text(), events))) {
                            return Optional.empty();
                        }
                    }
                    case Event.Alive a -> {}
                    case Event.Done d -> {
                        return Optional.of(d.response());
                    }
                    case Event.Failed f -> throw classify(f.error(), started);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AiException(Kind.STOPPED, "the assistant is stopping");
        } finally {
            handler.closed = true;
            aborts.forEach(Runnable::run);
        }
    }

    private AiException timedOut(boolean started, boolean totalSpent) {
        if (totalSpent) {
            return AiException.limit(Kind.TIMEOUT, timeout, "no complete reply within " + timeout.toSeconds() + " s");
        }
        return started
                ? AiException.limit(
                        Kind.STALLED, idleTimeout, "the stream sent nothing for " + idleTimeout.toSeconds() + " s")
                : noFirstToken();
    }

    private AiException noFirstToken() {
        return AiException.limit(
                Kind.NO_FIRST_TOKEN,
                firstTokenTimeout,
                "no output within " + firstTokenTimeout.toSeconds() + " s of the question");
    }

    private static String joinQueuedText(String first, BlockingQueue<Event> events) {
        if (!(events.peek() instanceof Event.Text)) {
            return first;
        }
        StringBuilder joined = new StringBuilder(first);
        while (events.peek() instanceof Event.Text) {
            joined.append(((Event.Text) events.poll()).text());
        }
        return joined.toString();
    }

    /** Turns LangChain4j's callbacks into events; after the call is over it stops the model where it can. */
    private static final class Handler implements StreamingChatResponseHandler {
        private final BlockingQueue<Event> events;
        private volatile boolean closed;

        Handler(BlockingQueue<Event> events) {
            this.events = events;
        }

        /** The in-process model's path: it generates on its caller's thread. */
        @Override
        public void onPartialResponse(String partialResponse) {
            if (closed) {
                // jlama catches every Exception its token callback throws and goes on generating: an Error stops it
                throw Abandoned.INSTANCE;
            }
            events.add(new Event.Text(partialResponse));
        }

        /** The remote model's path: the stream can be cancelled. */
        @Override
        public void onPartialResponse(PartialResponse partialResponse, PartialResponseContext context) {
            if (closed) {
                context.streamingHandle().cancel();
                return;
            }
            events.add(new Event.Text(partialResponse.text()));
        }

        @Override
        public void onPartialToolCall(PartialToolCall partialToolCall) {
            events.add(new Event.Alive());
        }

        @Override
        public void onCompleteToolCall(CompleteToolCall completeToolCall) {
            events.add(new Event.Alive());
        }

        @Override
        public void onCompleteResponse(ChatResponse completeResponse) {
            events.add(new Event.Done(completeResponse));
        }

        @Override
        public void onError(Throwable error) {
            events.add(new Event.Failed(error));
        }
    }

    /** Stops an in-process generation whose reply was abandoned (timeout, length limit, shutdown). */
    static final class Abandoned extends Error {
        private static final long serialVersionUID = 1L;
        static final Abandoned INSTANCE = new Abandoned();

        private Abandoned() {
            super("reply abandoned", null, false, false);
        }
    }

    /** What went wrong, as one kind; {@code started} says whether the model had produced anything yet. */
    static AiException classify(Throwable error, boolean started) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof AiException ai) {
                return ai;
            }
            if (t instanceof HttpException http) {
                return fromStatus(http);
            }
        }
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof HttpTimeoutException || t instanceof dev.langchain4j.exception.TimeoutException) {
                return new AiException(Kind.TIMEOUT, "the model service did not answer in time", Optional.empty(), t);
            }
            if (t instanceof IOException io) {
                return started
                        ? new AiException(Kind.INTERRUPTED, describe(io), Optional.empty(), error)
                        : new AiException(Kind.PROVIDER_ERROR, describe(io), Optional.empty(), error);
            }
        }
        return new AiException(
                started ? Kind.INTERRUPTED : Kind.PROVIDER_ERROR, describe(error), Optional.empty(), error);
    }

    private static AiException fromStatus(HttpException http) {
        int status = http.statusCode();
        Optional<Duration> retryAfter =
                http instanceof ProviderHttpClient.ProviderHttpException p ? p.retryAfter() : Optional.empty();
        String detail = "HTTP " + status
                + providerMessage(http.getMessage()).map(m -> ": " + m).orElse("");
        Kind kind;
        if (status == 429) {
            kind = Kind.RATE_LIMITED;
        } else if (status == 401 || status == 403) {
            kind = Kind.UNAUTHORIZED;
        } else if (status >= 500 || status == 408) {
            kind = Kind.PROVIDER_ERROR;
        } else {
            kind = Kind.BAD_REQUEST;
        }
        return new AiException(kind, detail, retryAfter, java.util.OptionalInt.of(status), Optional.empty(), http);
    }

    /** The provider's own words from an OpenAI-style error body ({@code {"error":{"message":…}}}), shortened. */
    static Optional<String> providerMessage(String body) {
        if (body == null || body.isBlank()) {
            return Optional.empty();
        }
        String message = body.strip();
        try {
            JsonNode node = JSON.readTree(message);
            JsonNode m = node.path("error").path("message");
            if (m.isTextual()) {
                message = m.asText();
            } else if (node.path("message").isTextual()) {
                message = node.path("message").asText();
            } else if (node.path("error").isTextual()) {
                message = node.path("error").asText();
            }
        } catch (IOException | RuntimeException notJson) {
            // keep the raw text
        }
        message = message.replaceAll("\\s+", " ");
        return Optional.of(message.length() > 160 ? message.substring(0, 160) + "…" : message);
    }

    /** For the log and {@code /health} only: the room is never shown this (it names exception classes). */
    private static String describe(Throwable t) {
        if (t instanceof ProviderHttpClient.StreamEndedException) {
            return t.getMessage();
        }
        String m = t.getMessage();
        String text = t.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
        text = text.replaceAll("\\s+", " ");
        return text.length() > 300 ? text.substring(0, 300) + "…" : text;
    }
}
