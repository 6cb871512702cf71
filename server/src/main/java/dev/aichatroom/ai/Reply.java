package dev.aichatroom.ai;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Produces one reply: calls the model with the conversation, streams the text as deltas, retries a call that failed
 * before it produced anything (honouring {@code Retry-After}), runs the tools the model calls and calls the model
 * again with their results, for at most {@link AiConfig.Limits#maxToolRounds()} rounds, and cuts the reply at
 * {@link AiConfig.Limits#maxReplyChars()}. Runs on the caller's (virtual) thread.
 */
final class Reply {
    private static final Logger LOG = LoggerFactory.getLogger(Reply.class);
    static final String CUT_MARK = "…";
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(500);

    /** Where the reply's text goes while it is generated. */
    interface Deltas {
        void publish(int seq, String delta);
    }

    private final StreamingChatModel model;
    private final boolean inProcess;
    private final ToolProvider tools;
    private final AiConfig.Limits limits;
    private final String room;
    private final Deltas deltas;
    private final StringBuilder text = new StringBuilder();
    private final long created = System.nanoTime();
    private final long firstOutputBy;
    private int seq;
    private long firstTokenNanos = -1;
    private boolean breakBeforeNextText;

    Reply(StreamingChatModel model, ToolProvider tools, AiConfig.Limits limits, String room, Deltas deltas) {
        this(model, false, tools, limits, room, deltas);
    }

    Reply(
            StreamingChatModel model,
            boolean inProcess,
            ToolProvider tools,
            AiConfig.Limits limits,
            String room,
            Deltas deltas) {
        this(
                model,
                inProcess,
                tools,
                limits,
                room,
                System.nanoTime() + limits.firstTokenTimeout().toNanos(),
                deltas);
    }

    /**
     * @param inProcess the model runs in this process (jlama): a call that produced no first token in time is not
     *     retried, since nothing can stop its generation and a retry would run a second one beside it
     * @param firstOutputBy the {@link System#nanoTime()} by which the model must have begun to answer: the question's
     *     admission plus the first-token timeout, so that the time it waited for a model permit counts; retries of
     *     calls that failed before any output happen only while this leaves time
     */
    Reply(
            StreamingChatModel model,
            boolean inProcess,
            ToolProvider tools,
            AiConfig.Limits limits,
            String room,
            long firstOutputBy,
            Deltas deltas) {
        this.firstOutputBy = firstOutputBy;
        this.model = model;
        this.inProcess = inProcess;
        this.tools = tools;
        this.limits = limits;
        this.room = room;
        this.deltas = deltas;
    }

    /**
     * Generates the reply to the conversation (system prompt, context, question last).
     *
     * @return the complete reply text, possibly empty when the model said nothing
     * @throws AiException when the reply cannot be produced
     */
    String generate(List<ChatMessage> messages) {
        long start = System.nanoTime();
        List<ChatMessage> conversation = new ArrayList<>(messages);
        for (int round = 0; ; round++) {
            List<ToolSpecification> offered = round < limits.maxToolRounds() ? tools.tools(room) : List.of();
            ChatRequest.Builder request =
                    ChatRequest.builder().messages(conversation).maxOutputTokens(limits.maxTokens());
            if (!offered.isEmpty()) {
                request.toolSpecifications(offered);
            }
            // the first round answers to the question's deadline; a round after tool results gets its own
            long by = round == 0
                    ? firstOutputBy
                    : System.nanoTime() + limits.firstTokenTimeout().toNanos();
            Optional<ChatResponse> response = callWithRetries(request.build(), by);
            if (response.isEmpty()) {
                return text.toString();
            }
            AiMessage answer = response.get().aiMessage();
            if (answer.hasToolExecutionRequests() && !offered.isEmpty()) {
                conversation.add(answer);
                for (ToolExecutionRequest call : answer.toolExecutionRequests()) {
                    conversation.add(ToolExecutionResultMessage.from(call, runTool(call)));
                }
                breakBeforeNextText = text.length() > 0;
                continue;
            }
            if (text.isEmpty() && answer.text() != null && !answer.text().isBlank()) {
                append(answer.text()); // a model that did not stream its text
            }
            LOG.debug("Reply in {} of {} ms, {} chars", room, (System.nanoTime() - start) / 1_000_000, text.length());
            return text.toString();
        }
    }

    /** Nanoseconds from the start of the reply to its first text; -1 when there was none. */
    long firstTokenNanos() {
        return firstTokenNanos;
    }

    private Optional<ChatResponse> callWithRetries(ChatRequest request, long firstOutputBy) {
        ModelCall call = new ModelCall(model, limits.timeout(), limits.firstTokenTimeout(), limits.idleTimeout());
        for (int attempt = 0; ; attempt++) {
            int publishedBefore = seq;
            try {
                return call.run(request, firstOutputBy, this::append);
            } catch (AiException e) {
                boolean clean = seq == publishedBefore;
                boolean stillRunning = inProcess && e.kind() == AiException.Kind.NO_FIRST_TOKEN;
                if (!e.retriable() || stillRunning || !clean || attempt >= limits.maxRetries()) {
                    throw e;
                }
                int retry = attempt;
                Duration wait = e.retryAfter().orElseGet(() -> backoff(retry));
                if (System.nanoTime() + wait.toNanos() - firstOutputBy >= 0) {
                    throw e; // no time left to try again before the asker's deadline
                }
                LOG.info(
                        "Model call for room {} failed ({}); retry {} of {} in {} ms",
                        room,
                        e.getMessage(),
                        attempt + 1,
                        limits.maxRetries(),
                        wait.toMillis());
                pause(wait);
            }
        }
    }

    private static Duration backoff(int attempt) {
        long base = FIRST_BACKOFF.toMillis() << Math.min(attempt, 6);
        return Duration.ofMillis(base + ThreadLocalRandom.current().nextLong(base / 4 + 1));
    }

    private static void pause(Duration wait) {
        try {
            Thread.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AiException(AiException.Kind.STOPPED, "the assistant is stopping");
        }
    }

    /** Takes streamed text up to the length limit; false once the reply is cut. */
    private boolean append(String chunk) {
        if (chunk.isEmpty()) {
            return true;
        }
        if (firstTokenNanos < 0) {
            firstTokenNanos = System.nanoTime() - created;
        }
        String piece = breakBeforeNextText ? "\n\n" + chunk : chunk;
        breakBeforeNextText = false;
        int space = Math.max(0, limits.maxReplyChars() - CUT_MARK.length() - text.length());
        boolean fits = piece.length() <= space;
        String taken = fits ? piece : cut(piece, space) + CUT_MARK;
        text.append(taken);
        deltas.publish(seq++, taken);
        return fits;
    }

    /** The first {@code length} chars, not splitting a surrogate pair. */
    private static String cut(String text, int length) {
        int end = length > 0 && Character.isHighSurrogate(text.charAt(length - 1)) ? length - 1 : length;
        return text.substring(0, end);
    }

    private String runTool(ToolExecutionRequest call) {
        try {
            String result = tools.execute(call);
            LOG.debug("Tool {} in room {} returned {} chars", call.name(), room, result.length());
            return result;
        } catch (RuntimeException e) {
            LOG.warn("Tool {} in room {} failed: {}", call.name(), room, e.toString());
            return "error: " + e.getMessage();
        }
    }
}
