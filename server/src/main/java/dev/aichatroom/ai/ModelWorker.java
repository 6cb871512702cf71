package dev.aichatroom.ai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tjake.jlama.model.AbstractModel;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ChatMessageDeserializer;
import dev.langchain4j.data.message.ChatMessageSerializer;
import dev.langchain4j.internal.JsonSchemaElementUtils;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The in-process model's own JVM: {@code java --add-modules jdk.incubator.vector -cp <the product's jar> ModelWorker
 * <model> <modelDir>}, started by {@link LocalBackend} on first use. The product's JVM thus never holds the incubating
 * Vector API module that jlama needs, and so starts on an ahead-of-time cache with its module graph and linked classes
 * (decision 0035).
 *
 * <p>It talks over its standard input and output only (private pipes: no port), one JSON object a line. In: {@code
 * {"op":"chat","id":…,"messages":"<LangChain4j messages JSON>","tools":[…],"maxTokens":…,"temperature":…}} and {@code
 * {"op":"cancel","id":…}}. Out: {@code {"event":"downloading"}}, then {@code {"event":"loaded","ms":…}} or {@code
 * {"event":"failed","io":…,"why":…}} (and it exits), then per call {@code {"id":…,"token":…}}… and {@code
 * {"id":…,"done":{…}}} or {@code {"id":…,"error":…}}. Its log goes to standard error, which the product logs. It
 * exits when its standard input ends: when the product stops, however it stops.
 */
final class ModelWorker {
    static final String VECTOR_MODULE = "jdk.incubator.vector";
    /** The longest line either side accepts: a conversation is bounded far below this (AI_CONTEXT_CHARS). */
    static final int MAX_LINE = 8 * 1024 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final OutputStream out;
    private final Set<Long> cancelled = ConcurrentHashMap.newKeySet();
    private final ExecutorService generator = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "model-worker-generate");
        t.setDaemon(true);
        return t;
    });
    private volatile JlamaChat chat;

    private ModelWorker(OutputStream out) {
        this.out = out;
    }

    /** A tool as the two processes exchange it: its JSON schema's properties as maps, as jlama renders them. */
    record ToolSpec(
            String name, String description, Map<String, Map<String, Object>> parameters, List<String> required) {
        static ToolSpec of(ToolSpecification spec) {
            Map<String, Map<String, Object>> parameters = new LinkedHashMap<>();
            List<String> required = new ArrayList<>();
            if (spec.parameters() != null) {
                spec.parameters()
                        .properties()
                        .forEach((name, schema) -> parameters.put(name, JsonSchemaElementUtils.toMap(schema)));
                required.addAll(spec.parameters().required());
            }
            return new ToolSpec(
                    spec.name(), spec.description() == null ? "" : spec.description(), parameters, required);
        }
    }

    public static void main(String[] args) {
        // the protocol owns standard output; everything else written there (the log) goes to standard error
        OutputStream protocol = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out));
        System.setOut(System.err);
        ModelWorker worker = new ModelWorker(protocol);
        worker.generator.execute(() -> worker.load(args[0], Path.of(args[1])));
        try (InputStream in = new BufferedInputStream(new FileInputStream(FileDescriptor.in))) {
            for (Optional<String> line = readLine(in); line.isPresent(); line = readLine(in)) {
                worker.handle(JSON.readTree(line.get()));
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("model worker: reading requests failed: " + e);
        }
        // the product closed the pipe or is gone: no reason to live on
        Runtime.getRuntime().halt(0);
    }

    private void load(String model, Path modelDir) {
        long t0 = System.nanoTime();
        try {
            if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
                throw new IllegalStateException("this JVM lacks the module " + VECTOR_MODULE);
            }
            AbstractModel loaded = new LocalModel(model, modelDir)
                    .load(() -> send(JSON.createObjectNode().put("event", "downloading")));
            chat = new JlamaChat(loaded);
            send(JSON.createObjectNode().put("event", "loaded").put("ms", (System.nanoTime() - t0) / 1_000_000));
        } catch (IOException | RuntimeException | LinkageError e) {
            String why = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            send(JSON.createObjectNode()
                    .put("event", "failed")
                    .put("io", e instanceof IOException || e instanceof UncheckedIOException)
                    .put("why", why));
            Runtime.getRuntime().halt(2);
        }
    }

    private void handle(JsonNode request) throws IOException {
        long id = request.path("id").asLong();
        switch (request.path("op").asText()) {
            case "chat" -> {
                List<ChatMessage> messages = ChatMessageDeserializer.messagesFromJson(
                        request.path("messages").asText());
                List<ToolSpec> tools = new ArrayList<>();
                for (JsonNode tool : request.path("tools")) {
                    tools.add(JSON.treeToValue(tool, ToolSpec.class));
                }
                Integer maxTokens = request.hasNonNull("maxTokens")
                        ? request.get("maxTokens").asInt()
                        : null;
                Double temperature = request.hasNonNull("temperature")
                        ? request.get("temperature").asDouble()
                        : null;
                generator.execute(() -> generate(id, messages, tools, maxTokens, temperature));
            }
            case "cancel" -> cancelled.add(id);
            default -> System.err.println("model worker: unknown request ignored");
        }
    }

    private void generate(
            long id, List<ChatMessage> messages, List<ToolSpec> tools, Integer maxTokens, Double temperature) {
        try {
            if (cancelled.contains(id)) {
                send(JSON.createObjectNode().put("id", id).put("error", "cancelled"));
                return;
            }
            chat.generate(messages, tools, maxTokens, temperature, new StreamingChatResponseHandler() {
                @Override
                public void onPartialResponse(String token) {
                    if (cancelled.contains(id)) {
                        // jlama goes on after an Exception from its token callback; an Error stops it
                        throw ModelCall.Abandoned.INSTANCE;
                    }
                    send(JSON.createObjectNode().put("id", id).put("token", token));
                }

                @Override
                public void onCompleteResponse(ChatResponse response) {
                    ObjectNode line = JSON.createObjectNode().put("id", id);
                    line.set("done", done(response));
                    send(line);
                }

                @Override
                public void onError(Throwable error) {
                    String why = error.getClass().getSimpleName()
                            + (error.getMessage() == null ? "" : ": " + error.getMessage());
                    send(JSON.createObjectNode().put("id", id).put("error", why));
                }
            });
        } catch (ModelCall.Abandoned e) {
            send(JSON.createObjectNode().put("id", id).put("error", "cancelled"));
        } finally {
            cancelled.remove(id);
        }
    }

    /** A complete response as the worker sends it. */
    static ObjectNode done(ChatResponse response) {
        ObjectNode done = JSON.createObjectNode()
                .put("message", ChatMessageSerializer.messageToJson(response.aiMessage()))
                .put("finish", response.finishReason().name());
        if (response.tokenUsage() != null) {
            done.put("in", response.tokenUsage().inputTokenCount())
                    .put("out", response.tokenUsage().outputTokenCount());
        }
        return done;
    }

    /** The complete response {@link #done} sent. */
    static ChatResponse response(JsonNode done) {
        AiMessage message = (AiMessage)
                ChatMessageDeserializer.messageFromJson(done.path("message").asText());
        ChatResponse.Builder response = ChatResponse.builder()
                .aiMessage(message)
                .finishReason(FinishReason.valueOf(done.path("finish").asText("STOP")));
        if (done.has("in")) {
            response.tokenUsage(
                    new TokenUsage(done.path("in").asInt(), done.path("out").asInt()));
        }
        return response.build();
    }

    private void send(JsonNode line) {
        try {
            byte[] bytes = JSON.writeValueAsBytes(line);
            synchronized (out) {
                out.write(bytes);
                out.write('\n');
                out.flush();
            }
        } catch (IOException e) {
            // the product is gone
            Runtime.getRuntime().halt(0);
        }
    }

    /** One line without its end, or empty at the end of the stream; a line longer than {@link #MAX_LINE} fails. */
    static Optional<String> readLine(InputStream in) throws IOException {
        java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream(256);
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                return Optional.of(line.toString(StandardCharsets.UTF_8));
            }
            if (line.size() >= MAX_LINE) {
                throw new IOException("a line longer than " + MAX_LINE + " bytes");
            }
            line.write(b);
        }
        if (line.size() > 0) {
            throw new IOException("the stream ended inside a line");
        }
        return Optional.empty();
    }
}
