package dev.aichatroom.voice.speech;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.LockSupport;

/**
 * A local OpenAI-compatible server speaking the real wire formats: {@code POST /v1/audio/transcriptions} (multipart
 * form, a WAV file; answered by Sphinx4 so the words are really recognised), {@code POST /v1/audio/speech} (JSON;
 * answered with a WAV from espeak-ng or FreeTTS) and {@code POST /v1/chat/completions} with {@code stream:true}
 * (Server-Sent Events of {@code chat.completion.chunk}s, then {@code data: [DONE]}).
 */
public final class FakeOpenAiServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;
    private final SpeechToText recogniser = new SphinxSpeechToText(java.util.Optional.empty(), List.of());
    private final TextToSpeech voice = EspeakTextToSpeech.installed()
            ? new EspeakTextToSpeech(java.util.Optional.empty())
            : new FreeTextToSpeech();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final Map<String, String> lastFields = new ConcurrentHashMap<>();
    private volatile List<String> reply = List.of("Sure.", " The camera", " is on now.");
    private volatile long gapMillis = 20;
    private volatile long firstChunkAt;

    public FakeOpenAiServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/v1/audio/transcriptions", this::transcriptions);
        server.createContext("/v1/audio/speech", this::speech);
        server.createContext("/v1/chat/completions", this::chat);
        server.start();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    /** The chat reply's chunks and the pause before each. */
    public void reply(long gapMillis, String... chunks) {
        this.gapMillis = gapMillis;
        this.reply = List.of(chunks);
    }

    public List<String> requests() {
        return List.copyOf(requests);
    }

    /** The text fields of the last transcription request and the JSON fields of the last speech request. */
    public Map<String, String> lastFields() {
        return Map.copyOf(lastFields);
    }

    /** When the model streamed its first chunk (System.nanoTime). */
    public long firstChunkAt() {
        return firstChunkAt;
    }

    private void transcriptions(HttpExchange x) throws IOException {
        try (x) {
            requests.add("transcriptions " + x.getRequestHeaders().getFirst("Authorization"));
            String type = x.getRequestHeaders().getFirst("Content-Type");
            if (!"POST".equals(x.getRequestMethod()) || type == null || !type.startsWith("multipart/form-data")) {
                send(x, 400, "application/json", "{\"error\":{\"message\":\"multipart/form-data expected\"}}");
                return;
            }
            String boundary = type.substring(type.indexOf("boundary=") + 9);
            byte[] body = x.getRequestBody().readAllBytes();
            byte[] wav = null;
            for (Part p : parts(body, boundary)) {
                if (p.name().equals("file")) {
                    wav = p.data();
                } else {
                    lastFields.put(p.name(), new String(p.data(), StandardCharsets.UTF_8));
                }
            }
            if (wav == null || !lastFields.containsKey("model")) {
                send(x, 400, "application/json", "{\"error\":{\"message\":\"file and model are required\"}}");
                return;
            }
            String text = recogniser.transcribe(Pcm.fromWav(wav));
            send(
                    x,
                    200,
                    "application/json",
                    JSON.createObjectNode().put("text", text).toString());
        }
    }

    private void speech(HttpExchange x) throws IOException {
        try (x) {
            requests.add("speech " + x.getRequestHeaders().getFirst("Authorization"));
            JsonNode req = JSON.readTree(x.getRequestBody().readAllBytes());
            req.fields()
                    .forEachRemaining(
                            f -> lastFields.put(f.getKey(), f.getValue().asText()));
            if (!req.path("input").isTextual()
                    || !req.path("model").isTextual()
                    || !req.path("voice").isTextual()) {
                send(x, 400, "application/json", "{\"error\":{\"message\":\"model, input and voice are required\"}}");
                return;
            }
            byte[] wav = voice.synthesize(req.path("input").asText()).wav();
            x.getResponseHeaders().add("Content-Type", "audio/wav");
            x.sendResponseHeaders(200, wav.length);
            x.getResponseBody().write(wav);
        }
    }

    private void chat(HttpExchange x) throws IOException {
        try (x) {
            requests.add("chat " + new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            x.getResponseHeaders().add("Content-Type", "text/event-stream");
            x.sendResponseHeaders(200, 0);
            OutputStream out = x.getResponseBody();
            event(out, chunk(JSON.createObjectNode().put("role", "assistant").put("content", ""), null));
            boolean first = true;
            for (String c : reply) {
                LockSupport.parkNanos(gapMillis * 1_000_000); // the fake model's pace between tokens
                if (first) {
                    firstChunkAt = System.nanoTime();
                    first = false;
                }
                event(out, chunk(JSON.createObjectNode().put("content", c), null));
            }
            event(out, chunk(JSON.createObjectNode(), "stop"));
            event(out, "[DONE]");
        }
    }

    private static String chunk(ObjectNode delta, String finish) {
        ObjectNode c = JSON.createObjectNode()
                .put("id", "chatcmpl-1")
                .put("object", "chat.completion.chunk")
                .put("created", 1_700_000_000L)
                .put("model", "fake-model");
        ObjectNode choice = c.putArray("choices").addObject().put("index", 0);
        choice.set("delta", delta);
        if (finish == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finish);
        }
        return c.toString();
    }

    private static void event(OutputStream out, String data) throws IOException {
        out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void send(HttpExchange x, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", type);
        x.sendResponseHeaders(status, b.length);
        x.getResponseBody().write(b);
    }

    private record Part(String name, byte[] data) {}

    private static List<Part> parts(byte[] body, String boundary) {
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        List<Part> parts = new java.util.ArrayList<>();
        int pos = indexOf(body, delimiter, 0);
        while (pos >= 0) {
            int headersStart = pos + delimiter.length + 2;
            int next = indexOf(body, delimiter, headersStart);
            if (next < 0) {
                break;
            }
            int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), headersStart);
            String headers = new String(body, headersStart, headersEnd - headersStart, StandardCharsets.UTF_8);
            int nameAt = headers.indexOf("name=\"") + 6;
            String name = headers.substring(nameAt, headers.indexOf('"', nameAt));
            byte[] data = java.util.Arrays.copyOfRange(body, headersEnd + 4, next - 2);
            parts.add(new Part(name, data));
            pos = next;
        }
        return parts;
    }

    private static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = from; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Override
    public void close() {
        server.stop(0);
        recogniser.close();
        voice.close();
    }
}
