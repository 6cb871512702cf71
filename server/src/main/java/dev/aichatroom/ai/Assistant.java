package dev.aichatroom.ai;

import dev.aichatroom.chat.ChatMessage;
import dev.aichatroom.chat.ChatService;
import dev.aichatroom.chat.Clocks;
import dev.aichatroom.chat.Rejection;
import dev.aichatroom.chat.RoomListener;
import dev.langchain4j.model.chat.StreamingChatModel;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The room's assistant (PROTOCOL.md §1.5): a participant that follows every room, answers messages that mention it
 * (or every message in the configured rooms), streams the reply on {@code messages/stream} while the model writes it
 * and posts it once, complete, as an {@code ai_response}. A question that cannot be answered gets exactly one system
 * notice in its room instead.
 *
 * <p>Threading: {@link #onMessage} runs on the chat worker and only admits the question; each admitted question is
 * answered on its own virtual thread, which waits for one of {@link AiConfig.Limits#maxConcurrent()} model permits.
 * At most {@code maxConcurrent + queueSize} questions are admitted at once; beyond that the asker is told the
 * assistant is busy.
 *
 * <p>Time: a question's reply must begin within {@link AiConfig.Limits#firstTokenTimeout()} of its admission, whether
 * it waited for a permit, was retried or the provider never answered; a stream that began must not fall silent for
 * {@link AiConfig.Limits#idleTimeout()}. A provider whose replies fail {@link AiConfig.Limits#breakerFailures()} times
 * in a row is not called for {@link AiConfig.Limits#breakerOpen()} (a circuit breaker); then one question probes it.
 */
public final class Assistant implements RoomListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Assistant.class);
    /** The client id of the assistant's messages. */
    public static final String CLIENT_ID = "ai-assistant";
    /** The source of the assistant's messages. */
    public static final String SOURCE = "ai";
    /** Messages from this source are answered through {@link #answer}, by whoever posted them (the voice companion). */
    public static final String ANSWERED_BY_CALLER = "voice";

    /** The outcome of {@link #answer}: the reply's text, or why there is none (safe to show; never the key). */
    public record Answer(String text, Optional<String> failure) {}

    /** The assistant's state for {@code /health}; never contains the API key. */
    public record Status(State state, String detail) {
        public enum State {
            UP,
            DEGRADED,
            DISABLED
        }
    }

    /** A question taken, and the id its reply (thinking event, deltas, final message) carries. */
    private record Question(ChatMessage message, String text, String replyId) {}

    private final AiConfig config;
    private final ChatService chat;
    private final ToolProvider tools;
    private final Optional<Backend> backend;
    private final Mentions mentions;
    private final Texts texts;
    private final Semaphore permits;
    private final int capacity;
    private final AtomicInteger admitted = new AtomicInteger();
    private final ExecutorService replies = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("ai-reply-", 0).factory());
    private final Timer firstToken;
    private final Timer replyTime;
    private final Counter failures;
    private final Counter busy;
    private final Optional<CircuitBreaker> breaker;
    private volatile Optional<String> lastFailure = Optional.empty();

    public Assistant(AiConfig config, ChatService chat, ToolProvider tools, MeterRegistry meters) {
        this(
                config,
                chat,
                tools,
                meters,
                config.provider() == AiConfig.Provider.NONE
                        ? Optional.empty()
                        : Optional.of(
                                Backends.create(config, Texts.of(chat.config().language()))));
    }

    Assistant(AiConfig config, ChatService chat, ToolProvider tools, MeterRegistry meters, Optional<Backend> backend) {
        this.config = config;
        this.chat = chat;
        this.tools = tools;
        this.backend = backend;
        this.mentions = new Mentions(config.persona().name());
        this.texts = Texts.of(chat.config().language());
        int concurrent = backend.map(Backend::sequential).orElse(false)
                ? 1
                : config.limits().maxConcurrent();
        this.permits = new Semaphore(concurrent, true);
        this.capacity = concurrent + config.limits().queueSize();
        this.firstToken = Timer.builder("ai.reply.first_token")
                .description("Time from a question's admission to the first text of its reply")
                .register(meters);
        this.replyTime = Timer.builder("ai.reply.duration")
                .description("Time from a question's admission to its complete reply")
                .register(meters);
        this.failures = meters.counter("ai.reply.failures");
        this.busy = meters.counter("ai.reply.busy");
        meters.gauge("ai.reply.admitted", admitted);
        this.breaker = backend.isPresent() && config.limits().breakerFailures() > 0
                ? Optional.of(breaker(config.limits()))
                : Optional.empty();
        breaker.ifPresent(
                b -> meters.gauge("ai.provider.paused", b, c -> c.getState() == CircuitBreaker.State.OPEN ? 1 : 0));
        if (backend.isPresent()) {
            LOG.info(
                    "Assistant '{}' answers with {}{}",
                    config.persona().name(),
                    backend.get().describe(),
                    backend.get().problem().map(p -> "; " + p).orElse(""));
        } else {
            LOG.info("Assistant disabled (AI_PROVIDER=none)");
        }
    }

    /** Admits a question: called on the chat worker, never blocks. */
    @Override
    public void onMessage(ChatMessage message) {
        if (backend.isEmpty()
                || !ChatMessage.USER_MESSAGE.equals(message.type())
                || ANSWERED_BY_CALLER.equals(message.source())) {
            return;
        }
        Optional<String> question = mentions.strip(message.content());
        if (question.isEmpty() && !config.persona().alwaysRooms().contains(message.room())) {
            return;
        }
        if (admitted.incrementAndGet() > capacity) {
            admitted.decrementAndGet();
            busy.increment();
            LOG.info("Assistant busy: question {} in room {} turned away", message.messageId(), message.room());
            chat.refuse(
                    message.clientId(),
                    Rejection.of(
                            Rejection.Code.BUSY, texts.busy(config.persona().name())),
                    message.room());
            return;
        }
        Question q = new Question(message, question.orElse(message.content()), Clocks.uuid7());
        // the room sees at once that the question was taken, long before a slow model's first token
        chat.publishThinking(
                message.room(),
                q.replyId(),
                message.messageId(),
                config.persona().name());
        try {
            replies.execute(() -> {
                try {
                    answerWhenPermitted(q);
                } finally {
                    admitted.decrementAndGet();
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            admitted.decrementAndGet();
            chat.abortDelta(message.room(), q.replyId(), 0);
        }
    }

    private void answerWhenPermitted(Question q) {
        long admittedAt = System.nanoTime();
        Duration firstToken = config.limits().firstTokenTimeout();
        try {
            if (!permits.tryAcquire(firstToken.toNanos(), TimeUnit.NANOSECONDS)) {
                failedToAnswer(q, q.replyId(), new AtomicInteger(), stillQueued());
                return;
            }
        } catch (InterruptedException e) {
            chat.abortDelta(q.message().room(), q.replyId(), 0); // stopping: the thinking shown ends
            return;
        }
        try {
            answer(q, admittedAt);
        } finally {
            permits.release();
        }
    }

    private void answer(Question q, long admittedAt) {
        String room = q.message().room();
        String replyId = q.replyId();
        AtomicInteger deltas = new AtomicInteger();
        try {
            long loading = System.nanoTime();
            StreamingChatModel model = backend.orElseThrow().model(notice -> chat.notice(room, modelNotice(notice)));
            // a local model's first download and load is not the provider's silence (the room was told about it)
            long firstOutputBy =
                    admittedAt + config.limits().firstTokenTimeout().toNanos() + (System.nanoTime() - loading);
            List<dev.langchain4j.data.message.ChatMessage> conversation = Conversation.of(
                    systemPrompt(room),
                    chat.history(
                            room,
                            Optional.of(q.message().messageId()),
                            config.persona().contextMessages()),
                    q.message(),
                    q.text(),
                    mentions);
            Reply reply = new Reply(
                    model, backend.get().sequential(), tools, config.limits(), room, firstOutputBy, (seq, delta) -> {
                        deltas.set(seq + 1);
                        chat.publishDelta(room, replyId, seq, delta);
                    });
            String text = guarded(() -> reply.generate(conversation));
            if (reply.firstTokenNanos() >= 0) {
                firstToken.record(System.nanoTime() - admittedAt, TimeUnit.NANOSECONDS);
            }
            if (text.isBlank()) {
                abortStream(room, replyId, deltas);
                failed(q, "the model returned no text");
                chat.notice(
                        room,
                        dev.aichatroom.chat.Notice.of(
                                "AI_NO_ANSWER",
                                java.util.Map.of(
                                        "assistant",
                                        config.persona().name(),
                                        "asker",
                                        q.message().username()),
                                texts.noAnswer(
                                        q.message().username(), config.persona().name())));
                return;
            }
            chat.post(
                            room,
                            CLIENT_ID,
                            config.persona().name(),
                            text,
                            ChatMessage.AI_RESPONSE,
                            SOURCE,
                            Optional.of(q.message().messageId()),
                            replyId)
                    .whenComplete((posted, error) -> {
                        if (error == null) {
                            replyTime.record(System.nanoTime() - admittedAt, TimeUnit.NANOSECONDS);
                            lastFailure = Optional.empty();
                        } else {
                            failedToAnswer(
                                    q,
                                    replyId,
                                    deltas,
                                    new AiException(
                                            AiException.Kind.INTERRUPTED,
                                            "the reply could not be posted: " + error.getMessage()));
                        }
                    });
        } catch (AiException e) {
            if (e.kind() == AiException.Kind.STOPPED) {
                abortStream(room, replyId, deltas);
                return;
            }
            failedToAnswer(q, replyId, deltas, e);
        } catch (RuntimeException e) {
            LOG.error("Reply to {} in room {} failed unexpectedly", q.message().messageId(), room, e);
            failedToAnswer(
                    q,
                    replyId,
                    deltas,
                    new AiException(
                            AiException.Kind.PROVIDER_ERROR,
                            "unexpected " + e.getClass().getSimpleName()));
        }
    }

    /** What the backend announces while it gets ready: the local model's first download. */
    private dev.aichatroom.chat.Notice modelNotice(String text) {
        return dev.aichatroom.chat.Notice.of("AI_MODEL_DOWNLOADING", java.util.Map.of("model", config.model()), text);
    }

    /** The one notice a failed question gets, after closing the reply's stream if any of it was shown. */
    private void failedToAnswer(Question q, String replyId, AtomicInteger deltas, AiException e) {
        String room = q.message().room();
        abortStream(room, replyId, deltas);
        failed(q, e);
        java.util.Map<String, String> params = new java.util.HashMap<>();
        params.put("assistant", config.persona().name());
        params.put("asker", q.message().username());
        params.put("reason", e.kind().name());
        e.status().ifPresent(status -> params.put("status", Integer.toString(status)));
        e.limit().ifPresent(limit -> params.put("seconds", Long.toString(limit.toSeconds())));
        chat.notice(
                room,
                dev.aichatroom.chat.Notice.of(
                        "AI_FAILED",
                        params,
                        hideKey(texts.failed(
                                q.message().username(), config.persona().name(), e))));
    }

    /** The question waited for a model permit until its first-token time was spent. */
    private AiException stillQueued() {
        Duration firstToken = config.limits().firstTokenTimeout();
        return AiException.limit(
                AiException.Kind.NO_FIRST_TOKEN,
                firstToken,
                "still waiting for a model permit after " + firstToken.toSeconds() + " s (" + permitCount()
                        + " replies running)");
    }

    private int permitCount() {
        return backend.map(Backend::sequential).orElse(false)
                ? 1
                : config.limits().maxConcurrent();
    }

    /**
     * Runs one reply through the circuit breaker: refused at once while it is open; the outcome counts as the
     * provider's when it failed at the provider (errors, rate limits, silence, broken streams), not when the key or the
     * request is wrong (that needs the operator, and the notice says so) or the assistant is stopping.
     */
    private String guarded(java.util.function.Supplier<String> reply) {
        if (breaker.isEmpty()) {
            return reply.get();
        }
        CircuitBreaker b = breaker.get();
        if (!b.tryAcquirePermission()) {
            throw AiException.limit(
                    AiException.Kind.PAUSED,
                    config.limits().breakerOpen(),
                    "not called: the circuit breaker is " + b.getState());
        }
        long start = System.nanoTime();
        try {
            String text = reply.get();
            b.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            return text;
        } catch (RuntimeException e) {
            b.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, e);
            throw e;
        }
    }

    private static boolean providerFault(Throwable e) {
        if (!(e instanceof AiException ai)) {
            return true;
        }
        return switch (ai.kind()) {
            case RATE_LIMITED, PROVIDER_ERROR, NO_FIRST_TOKEN, TIMEOUT, STALLED, INTERRUPTED -> true;
            case UNAUTHORIZED, BAD_REQUEST, PAUSED, UNAVAILABLE, STOPPED -> false;
        };
    }

    private static CircuitBreaker breaker(AiConfig.Limits limits) {
        int failures = limits.breakerFailures();
        CircuitBreaker b = CircuitBreaker.of(
                "ai-provider",
                CircuitBreakerConfig.custom()
                        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                        .slidingWindowSize(failures)
                        .minimumNumberOfCalls(failures)
                        .failureRateThreshold(100f)
                        .waitDurationInOpenState(limits.breakerOpen())
                        .automaticTransitionFromOpenToHalfOpenEnabled(true)
                        .permittedNumberOfCallsInHalfOpenState(1)
                        .ignoreException(e -> !providerFault(e))
                        .writableStackTraceEnabled(false)
                        .build());
        b.getEventPublisher().onStateTransition(event -> {
            switch (event.getStateTransition()) {
                case CLOSED_TO_OPEN ->
                    LOG.warn(
                            "Model provider failed repeatedly ({} replies in a row): not calling it for {} s",
                            failures,
                            limits.breakerOpen().toSeconds());
                case HALF_OPEN_TO_OPEN ->
                    LOG.info(
                            "Model provider still failing: not calling it for another {} s",
                            limits.breakerOpen().toSeconds());
                case OPEN_TO_HALF_OPEN -> LOG.info("Model provider pause over: the next question tries it");
                case HALF_OPEN_TO_CLOSED -> LOG.info("Model provider answers again");
                default -> LOG.debug("Model provider circuit breaker: {}", event.getStateTransition());
            }
        });
        return b;
    }

    /**
     * Tells the room's clients that a reply whose first pieces they were shown will not be completed, so that they
     * take the unfinished reply away instead of waiting for its {@code ai_response}.
     */
    private void abortStream(String room, String replyId, AtomicInteger deltas) {
        // always: the room was told the assistant is thinking (ai_thinking), even if no piece followed
        chat.abortDelta(room, replyId, deltas.get());
    }

    /**
     * Answers one question for a caller that speaks the reply itself (the voice companion): the same model, prompt,
     * tools, limits and room context as a room question, the text streamed to {@code deltas} as the model writes it.
     * Blocks the calling virtual thread (also while waiting for a model permit); interrupting it stops the model call.
     * Nothing is posted in the room: the caller posts the question (before calling, so that it is the context's last
     * message) and the reply.
     *
     * @param question the question as posted in its room
     * @param text the question's text as the model should see it
     */
    public Answer answer(ChatMessage question, String text, java.util.function.Consumer<String> deltas) {
        return answer(question, text, tools, deltas);
    }

    /**
     * Like {@link #answer(ChatMessage, String, java.util.function.Consumer)} with the given tools instead of the
     * rooms' — a voice device's own page, for example.
     */
    public Answer answer(
            ChatMessage question, String text, ToolProvider tools, java.util.function.Consumer<String> deltas) {
        if (backend.isEmpty()) {
            return new Answer("", Optional.of("the assistant is off (AI_PROVIDER=none)"));
        }
        long admittedAt = System.nanoTime();
        try {
            if (!permits.tryAcquire(config.limits().firstTokenTimeout().toNanos(), TimeUnit.NANOSECONDS)) {
                AiException queued = stillQueued();
                voiceFailed(question, queued);
                return new Answer("", Optional.of(texts.reason(queued)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer("", Optional.of("stopped"));
        }
        String room = question.room();
        try {
            long loading = System.nanoTime();
            StreamingChatModel model = backend.get().model(notice -> chat.notice(room, modelNotice(notice)));
            long firstOutputBy =
                    admittedAt + config.limits().firstTokenTimeout().toNanos() + (System.nanoTime() - loading);
            List<dev.langchain4j.data.message.ChatMessage> conversation = Conversation.of(
                    systemPrompt(room),
                    chat.history(
                            room,
                            Optional.of(question.messageId()),
                            config.persona().contextMessages()),
                    question,
                    text,
                    mentions);
            Reply reply = new Reply(
                    model,
                    backend.get().sequential(),
                    tools,
                    config.limits(),
                    room,
                    firstOutputBy,
                    (seq, delta) -> deltas.accept(delta));
            return new Answer(guarded(() -> reply.generate(conversation)), Optional.empty());
        } catch (AiException e) {
            if (e.kind() != AiException.Kind.STOPPED) {
                voiceFailed(question, e);
            }
            return new Answer("", Optional.of(hideKey(texts.reason(e))));
        } finally {
            permits.release();
        }
    }

    private void failed(Question q, String why) {
        failures.increment();
        String safe = hideKey(why);
        lastFailure = Optional.of(safe);
        LOG.warn(
                "No reply to {} in room {}: {}",
                q.message().messageId(),
                q.message().room(),
                safe);
    }

    /** The detail goes to the log (once) and {@code /health}; a pause is the breaker's, already logged when it began. */
    private void failed(Question q, AiException e) {
        if (e.kind() == AiException.Kind.PAUSED) {
            failures.increment();
            LOG.info(
                    "No reply to {} in room {}: the model provider is paused",
                    q.message().messageId(),
                    q.message().room());
            return;
        }
        failed(q, e.kind() + " " + e.getMessage());
    }

    private void voiceFailed(ChatMessage question, AiException e) {
        failures.increment();
        if (e.kind() == AiException.Kind.PAUSED) {
            return;
        }
        String safe = hideKey(e.kind() + " " + e.getMessage());
        lastFailure = Optional.of(safe);
        LOG.warn("No spoken reply to {} in room {}: {}", question.messageId(), question.room(), safe);
    }

    private String systemPrompt(String room) {
        return config.persona()
                .systemPrompt()
                .replace("{name}", config.persona().name())
                .replace("{room}", room);
    }

    /** Keeps the API key out of anything shown or logged, should a provider echo it back. */
    private String hideKey(String text) {
        return config.apiKey()
                .filter(k -> k.length() >= 4)
                .map(k -> text.replace(k, "***"))
                .orElse(text);
    }

    /** The assistant's display name. */
    public String name() {
        return config.persona().name();
    }

    public Status status() {
        if (backend.isEmpty()) {
            return new Status(Status.State.DISABLED, "AI_PROVIDER=none");
        }
        Optional<String> problem = backend.get()
                .problem()
                .or(this::breakerProblem)
                .or(() -> lastFailure.map(f -> "last reply failed: " + f));
        return problem.map(p -> new Status(Status.State.DEGRADED, backend.get().describe() + "; " + p))
                .orElseGet(() -> new Status(Status.State.UP, backend.get().describe()));
    }

    private Optional<String> breakerProblem() {
        return breaker.flatMap(b -> switch (b.getState()) {
            case OPEN ->
                Optional.of("paused for " + config.limits().breakerOpen().toSeconds() + " s after "
                        + config.limits().breakerFailures() + " failed replies in a row"
                        + lastFailure.map(f -> " (last: " + f + ")").orElse(""));
            case HALF_OPEN -> Optional.of("trying the model provider again after a pause");
            default -> Optional.empty();
        });
    }

    /** Abandons replies in progress and releases the model. */
    @Override
    public void close() {
        replies.shutdownNow();
        try {
            if (!replies.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("Assistant replies still running after 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        backend.ifPresent(Backend::close);
    }
}
