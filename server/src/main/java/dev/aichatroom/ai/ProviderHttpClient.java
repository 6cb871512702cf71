package dev.aichatroom.ai;

import dev.langchain4j.exception.HttpException;
import dev.langchain4j.exception.TimeoutException;
import dev.langchain4j.http.client.HttpClient;
import dev.langchain4j.http.client.HttpClientBuilder;
import dev.langchain4j.http.client.HttpRequest;
import dev.langchain4j.http.client.SuccessfulHttpResponse;
import dev.langchain4j.http.client.sse.CancellationUnsupportedHandle;
import dev.langchain4j.http.client.sse.ServerSentEvent;
import dev.langchain4j.http.client.sse.ServerSentEventContext;
import dev.langchain4j.http.client.sse.ServerSentEventListener;
import dev.langchain4j.http.client.sse.ServerSentEventParser;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The HTTP client under LangChain4j's OpenAI model, on the JDK's client, with what the stock one lacks: an error
 * keeps its {@code Retry-After}; a stream that ends without {@code [DONE]} (or a {@code finish_reason}) is an error,
 * not a complete answer; and a stream can be aborted by the thread that started it.
 */
final class ProviderHttpClient implements HttpClient {
    private static final ThreadLocal<Consumer<Runnable>> ABORTS = new ThreadLocal<>();
    private static final Pattern FINISHED = Pattern.compile("\"finish_reason\"\\s*:\\s*\"");
    private static final int MAX_ERROR_BODY = 2000;

    private final java.net.http.HttpClient http;
    private final Duration readTimeout;

    private ProviderHttpClient(Duration connectTimeout, Duration readTimeout) {
        this.http = java.net.http.HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .build();
        this.readTimeout = readTimeout;
    }

    static Builder builder() {
        return new Builder();
    }

    /**
     * Runs {@code start}, which starts streams on this thread; hands {@code sink} an action that aborts each of them.
     */
    static void capturingAborts(Consumer<Runnable> sink, Runnable start) {
        ABORTS.set(sink);
        try {
            start.run();
        } finally {
            ABORTS.remove();
        }
    }

    /** Hands {@code abort}, which stops a call started on this thread, to the sink {@link #capturingAborts} set. */
    static void onAbort(Runnable abort) {
        Consumer<Runnable> sink = ABORTS.get();
        if (sink != null) {
            sink.accept(abort);
        }
    }

    /** An HTTP error answer of the provider, with the wait it asked for. */
    static final class ProviderHttpException extends HttpException {
        private static final long serialVersionUID = 1L;
        private final transient Optional<Duration> retryAfter;

        ProviderHttpException(int status, String body, Optional<Duration> retryAfter) {
            super(status, body);
            this.retryAfter = retryAfter;
        }

        Optional<Duration> retryAfter() {
            return retryAfter == null ? Optional.empty() : retryAfter;
        }
    }

    /** The stream closed before the model said it had finished. */
    static final class StreamEndedException extends IOException {
        private static final long serialVersionUID = 1L;

        StreamEndedException() {
            super("the stream ended before the model finished");
        }
    }

    @Override
    public SuccessfulHttpResponse execute(HttpRequest request) {
        try {
            HttpResponse<byte[]> response = http.send(toJdk(request), BodyHandlers.ofByteArray());
            if (response.statusCode() / 100 != 2) {
                throw error(response, response.body());
            }
            return SuccessfulHttpResponse.builder()
                    .statusCode(response.statusCode())
                    .headers(response.headers().map())
                    .body(new String(response.body(), StandardCharsets.UTF_8))
                    .build();
        } catch (HttpTimeoutException e) {
            throw new TimeoutException(e);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TimeoutException(e);
        }
    }

    @Override
    public void execute(HttpRequest request, ServerSentEventParser parser, ServerSentEventListener listener) {
        AtomicBoolean aborted = new AtomicBoolean();
        AtomicReference<InputStream> body = new AtomicReference<>();
        Thread reader = Thread.ofVirtual()
                .name("ai-http-stream")
                .unstarted(() -> stream(toJdk(request), parser, listener, aborted, body));
        Consumer<Runnable> sink = ABORTS.get();
        if (sink != null) {
            sink.accept(() -> {
                aborted.set(true);
                reader.interrupt();
                closeQuietly(body.get());
            });
        }
        reader.start();
    }

    private void stream(
            java.net.http.HttpRequest request,
            ServerSentEventParser parser,
            ServerSentEventListener listener,
            AtomicBoolean aborted,
            AtomicReference<InputStream> bodyRef) {
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, BodyHandlers.ofInputStream());
        } catch (HttpTimeoutException e) {
            listener.onError(new TimeoutException(e));
            return;
        } catch (IOException e) {
            if (!aborted.get()) {
                listener.onError(e);
            }
            return;
        } catch (InterruptedException e) {
            return;
        }
        try (InputStream body = response.body()) {
            bodyRef.set(body);
            if (aborted.get()) {
                return;
            }
            if (response.statusCode() / 100 != 2) {
                listener.onError(error(response, readError(body)));
                return;
            }
            listener.onOpen(SuccessfulHttpResponse.builder()
                    .statusCode(response.statusCode())
                    .headers(response.headers().map())
                    .build());
            Guard guard = new Guard(listener);
            parser.parse(body, guard);
            if (aborted.get() || guard.failed) {
                return;
            }
            if (guard.finished) {
                listener.onClose();
            } else {
                listener.onError(new StreamEndedException());
            }
        } catch (IOException | RuntimeException e) {
            if (!aborted.get()) {
                listener.onError(e);
            }
        }
    }

    /** Notes whether the model said it finished, and whether an error was already delivered. */
    private static final class Guard implements ServerSentEventListener {
        private final ServerSentEventListener delegate;
        private volatile boolean finished;
        private volatile boolean failed;

        Guard(ServerSentEventListener delegate) {
            this.delegate = delegate;
        }

        @Override
        public void onEvent(ServerSentEvent event, ServerSentEventContext context) {
            String data = event.data();
            if (data != null
                    && ("[DONE]".equals(data.strip()) || FINISHED.matcher(data).find())) {
                finished = true;
            }
            delegate.onEvent(event, context);
        }

        @Override
        public void onEvent(ServerSentEvent event) {
            onEvent(event, new ServerSentEventContext(new CancellationUnsupportedHandle()));
        }

        @Override
        public void onError(Throwable error) {
            failed = true;
            delegate.onError(error);
        }
    }

    private java.net.http.HttpRequest toJdk(HttpRequest request) {
        java.net.http.HttpRequest.Builder builder =
                java.net.http.HttpRequest.newBuilder().uri(URI.create(request.url()));
        request.headers().forEach((name, values) -> {
            if (values != null) {
                values.forEach(value -> builder.header(name, value));
            }
        });
        builder.method(
                request.method().name(),
                request.body() == null
                        ? java.net.http.HttpRequest.BodyPublishers.noBody()
                        : java.net.http.HttpRequest.BodyPublishers.ofString(request.body()));
        if (readTimeout != null) {
            builder.timeout(readTimeout);
        }
        return builder.build();
    }

    /**
     * The provider's error answer as an exception. Some providers quote the key they were given in their error text;
     * every log line and room notice is made from this text, so the key is masked here, once.
     */
    private static ProviderHttpException error(HttpResponse<?> response, byte[] body) {
        String text = new String(body, 0, Math.min(body.length, MAX_ERROR_BODY), StandardCharsets.UTF_8);
        String bearer = response.request()
                .headers()
                .firstValue("Authorization")
                .map(v -> v.replaceFirst("(?i)^Bearer\\s+", "").strip())
                .orElse("");
        if (bearer.length() >= 4) {
            text = text.replace(bearer, "***");
        }
        return new ProviderHttpException(response.statusCode(), text, retryAfter(response.headers()));
    }

    private static byte[] readError(InputStream body) {
        try {
            return body.readNBytes(MAX_ERROR_BODY);
        } catch (IOException e) {
            return new byte[0];
        }
    }

    /** {@code Retry-After} in seconds or as an HTTP date, or the {@code retry-after-ms} some providers send. */
    static Optional<Duration> retryAfter(HttpHeaders headers) {
        Optional<String> millis = headers.firstValue("retry-after-ms");
        if (millis.isPresent()) {
            try {
                return Optional.of(
                        Duration.ofMillis((long) Double.parseDouble(millis.get().strip())));
            } catch (NumberFormatException e) {
                // fall back to Retry-After
            }
        }
        return headers.firstValue("retry-after").flatMap(ProviderHttpClient::parseRetryAfter);
    }

    static Optional<Duration> parseRetryAfter(String value) {
        String v = value.strip();
        try {
            return Optional.of(Duration.ofMillis((long) (Double.parseDouble(v) * 1000)));
        } catch (NumberFormatException e) {
            try {
                Duration until = Duration.between(
                        ZonedDateTime.now(), ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME));
                return Optional.of(until.isNegative() ? Duration.ZERO : until);
            } catch (DateTimeParseException notADate) {
                return Optional.empty();
            }
        }
    }

    private static void closeQuietly(InputStream in) {
        if (in != null) {
            try {
                in.close();
            } catch (IOException e) {
                // aborting: nothing to report
            }
        }
    }

    /** What LangChain4j configures: the timeouts. */
    static final class Builder implements HttpClientBuilder {
        private Duration connectTimeout = Duration.ofSeconds(15);
        private Duration readTimeout = Duration.ofSeconds(60);

        @Override
        public Duration connectTimeout() {
            return connectTimeout;
        }

        @Override
        public Builder connectTimeout(Duration timeout) {
            if (timeout != null) {
                this.connectTimeout = timeout;
            }
            return this;
        }

        @Override
        public Duration readTimeout() {
            return readTimeout;
        }

        @Override
        public Builder readTimeout(Duration timeout) {
            if (timeout != null) {
                this.readTimeout = timeout;
            }
            return this;
        }

        @Override
        public ProviderHttpClient build() {
            return new ProviderHttpClient(connectTimeout, readTimeout);
        }
    }
}
