package dev.aichatroom.voice.speech;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/** The HTTP side of an OpenAI-compatible audio API: {@code /audio/transcriptions} and {@code /audio/speech}. */
final class OpenAiAudio {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String baseUrl;
    private final Optional<String> key;
    private final Duration timeout;
    private final HttpClient http;

    OpenAiAudio(String baseUrl, Optional<String> key, Duration timeout) {
        this.baseUrl = baseUrl.replaceAll("/+$", "");
        this.key = key;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .executor(r -> Thread.ofVirtual().name("voice-api").start(r))
                .build();
    }

    static OpenAiAudio of(SpeechConfig config) {
        String url = config.apiUrl()
                .orElseThrow(() -> new SpeechException(
                        "the OpenAI-compatible audio engines need VOICE_API_URL (or AI_BASE_URL), e.g."
                                + " https://api.openai.com/v1"));
        return new OpenAiAudio(url, config.apiKey(), config.apiTimeout());
    }

    String baseUrl() {
        return baseUrl;
    }

    /** POSTs a multipart form with one WAV file and text fields; returns the JSON answer. */
    JsonNode transcribe(byte[] wav, String model, Optional<String> language) {
        String boundary = "----voice" + UUID.randomUUID().toString().replace("-", "");
        ByteArrayOutputStream body = new ByteArrayOutputStream(wav.length + 512);
        field(body, boundary, "model", model);
        field(body, boundary, "response_format", "json");
        language.ifPresent(l -> field(body, boundary, "language", l));
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"speech.wav\""
                        + "\r\nContent-Type: audio/wav\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        body.writeBytes(wav);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpRequest request = request("/audio/transcriptions")
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                .build();
        byte[] answer = send(request);
        try {
            return JSON.readTree(answer);
        } catch (IOException e) {
            throw new SpeechException("the transcription API answered with something that is not JSON");
        }
    }

    /** POSTs a speech request; returns the audio bytes. */
    byte[] speech(String model, String voice, String text, String format) {
        String json = JSON.createObjectNode()
                .put("model", model)
                .put("input", text)
                .put("voice", voice)
                .put("response_format", format)
                .toString();
        return send(request("/audio/speech")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8))
                .build());
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(timeout);
        key.ifPresent(k -> b.header("Authorization", "Bearer " + k));
        return b;
    }

    private byte[] send(HttpRequest request) {
        try {
            HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() / 100 != 2) {
                String detail = new String(r.body(), StandardCharsets.UTF_8).replaceAll("\\s+", " ");
                throw new SpeechException(
                        "HTTP " + r.statusCode() + " from " + request.uri().getPath() + ": "
                                + (detail.length() > 160 ? detail.substring(0, 160) + "…" : detail));
            }
            return r.body();
        } catch (IOException e) {
            throw new SpeechException("cannot reach " + request.uri().getHost() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SpeechException("interrupted", e);
        }
    }

    private static void field(ByteArrayOutputStream body, String boundary, String name, String value) {
        body.writeBytes(
                ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n")
                        .getBytes(StandardCharsets.UTF_8));
    }
}
