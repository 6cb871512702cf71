package dev.aichatroom.ai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local OpenAI-compatible chat completions server speaking the real wire format: {@code POST
 * /v1/chat/completions} with {@code "stream":true} is answered with Server-Sent Events of {@code
 * chat.completion.chunk}s and {@code data: [DONE]}. Each request takes the next queued {@link Script} (or the default
 * one), so a test states exactly what the provider does: stream text, stream a tool call split across chunks, fail
 * with a status and headers, never answer, or stop midway. Public for the tests of features that give the assistant
 * tools (MCP).
 */
public final class FakeOpenAi implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the server does with one request. */
    public sealed interface Script {}

    /** Streams {@code chunks} as content deltas, {@code gap} apart, then {@code finish_reason: stop} and [DONE]. */
    public record Stream(List<String> chunks, Duration gap) implements Script {}

    /** Streams one tool call whose arguments are split into {@code argumentParts}, then {@code tool_calls} and [DONE]. */
    public record ToolCall(String id, String name, List<String> argumentParts) implements Script {}

    /** Answers with an HTTP error. */
    public record Status(int code, Map<String, String> headers, String body) implements Script {}

    /** Accepts the request and never answers. */
    public record Hang() implements Script {}

    /** Streams {@code chunks} and closes the stream without a finish reason or [DONE]. */
    public record StopMidway(List<String> chunks) implements Script {}

    /** Streams {@code chunks}, then keeps the stream open and sends nothing more. */
    public record TrickleThenHang(List<String> chunks) implements Script {}

    /** Answers 200 with a stream whose events are {@code data} as it is (e.g. not JSON), then [DONE]. */
    public record Garbage(String data) implements Script {}

    public static Stream text(String... chunks) {
        return new Stream(List.of(chunks), Duration.ZERO);
    }

    private final HttpServer server;
    private final BlockingQueue<Script> queue = new LinkedBlockingQueue<>();
    private final List<JsonNode> requests = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final CountDownLatch closing = new CountDownLatch(1);
    private final AtomicInteger ids = new AtomicInteger();
    private volatile Script fallback = text("Hello", " from", " the", " fake", " model.");

    public FakeOpenAi() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/v1/chat/completions", this::handle);
        server.start();
    }

    /** The base URL to configure, ending in {@code /v1}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    /** Queues scripts for the next requests, in order. */
    public void then(Script... scripts) {
        queue.addAll(List.of(scripts));
    }

    /** What a request gets when nothing is queued. */
    public void byDefault(Script script) {
        fallback = script;
    }

    /** Every request body received, oldest first. */
    public List<JsonNode> requests() {
        return List.copyOf(requests);
    }

    /** The Authorization header of every request. */
    public List<String> authorizations() {
        return List.copyOf(authorizations);
    }

    public void reset() {
        queue.clear();
        requests.clear();
        authorizations.clear();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            requests.add(JSON.readTree(exchange.getRequestBody().readAllBytes()));
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            authorizations.add(auth == null ? "" : auth);
            Script script = queue.poll();
            switch (script == null ? fallback : script) {
                case Stream s -> stream(exchange, s.chunks(), s.gap(), true);
                case StopMidway s -> stream(exchange, s.chunks(), Duration.ZERO, false);
                case TrickleThenHang t -> {
                    stream(exchange, t.chunks(), Duration.ZERO, false);
                    hang();
                }
                case Garbage g -> {
                    OutputStream out = startStream(exchange);
                    event(out, g.data());
                    event(out, "[DONE]");
                }
                case ToolCall t -> toolCall(exchange, t);
                case Status s -> status(exchange, s);
                case Hang h -> hang();
            }
        }
    }

    private void stream(HttpExchange exchange, List<String> chunks, Duration gap, boolean finish) throws IOException {
        OutputStream out = startStream(exchange);
        String id = "chatcmpl-" + ids.incrementAndGet();
        event(out, chunk(id, delta("role", "assistant").put("content", ""), null));
        for (String text : chunks) {
            pause(gap);
            event(out, chunk(id, delta("content", text), null));
        }
        if (finish) {
            event(out, chunk(id, JSON.createObjectNode(), "stop"));
            ObjectNode usage = JSON.createObjectNode();
            usage.put("prompt_tokens", 10)
                    .put("completion_tokens", chunks.size())
                    .put("total_tokens", 10 + chunks.size());
            ObjectNode last = base(id);
            last.putArray("choices");
            last.set("usage", usage);
            event(out, last.toString());
            event(out, "[DONE]");
        }
    }

    private void toolCall(HttpExchange exchange, ToolCall call) throws IOException {
        OutputStream out = startStream(exchange);
        String id = "chatcmpl-" + ids.incrementAndGet();
        for (int i = 0; i <= call.argumentParts().size(); i++) {
            ObjectNode function = JSON.createObjectNode();
            ObjectNode toolCall = JSON.createObjectNode().put("index", 0);
            ObjectNode delta = JSON.createObjectNode();
            if (i == 0) {
                delta.put("role", "assistant").putNull("content");
                toolCall.put("id", call.id()).put("type", "function");
                function.put("name", call.name()).put("arguments", "");
            } else {
                function.put("arguments", call.argumentParts().get(i - 1));
            }
            toolCall.set("function", function);
            delta.putArray("tool_calls").add(toolCall);
            event(out, chunk(id, delta, null));
        }
        event(out, chunk(id, JSON.createObjectNode(), "tool_calls"));
        event(out, "[DONE]");
    }

    private static void status(HttpExchange exchange, Status status) throws IOException {
        status.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        byte[] body = status.body().getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status.code(), body.length);
        exchange.getResponseBody().write(body);
    }

    private void hang() {
        try {
            closing.await(2, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static OutputStream startStream(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
        exchange.getResponseHeaders().add("Cache-Control", "no-cache");
        exchange.sendResponseHeaders(200, 0);
        return exchange.getResponseBody();
    }

    private static ObjectNode delta(String field, String value) {
        return JSON.createObjectNode().put(field, value);
    }

    private static ObjectNode base(String id) {
        return JSON.createObjectNode()
                .put("id", id)
                .put("object", "chat.completion.chunk")
                .put("created", 1_700_000_000L)
                .put("model", "fake-model");
    }

    private static String chunk(String id, ObjectNode delta, String finishReason) {
        ObjectNode chunk = base(id);
        ArrayNode choices = chunk.putArray("choices");
        ObjectNode choice = choices.addObject().put("index", 0);
        choice.set("delta", delta);
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        return chunk.toString();
    }

    private static void event(OutputStream out, String data) throws IOException {
        out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void pause(Duration gap) {
        if (gap.isZero()) {
            return;
        }
        try {
            Thread.sleep(gap); // the fake provider's pacing between tokens, not a test waiting for something
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Texts of the user messages of request {@code i}, for assertions on what the model saw. */
    public List<String> messagesOf(int i) {
        List<String> texts = new ArrayList<>();
        requests()
                .get(i)
                .path("messages")
                .forEach(m -> texts.add(
                        m.path("role").asText() + "|" + m.path("content").asText()));
        return texts;
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
    }
}
