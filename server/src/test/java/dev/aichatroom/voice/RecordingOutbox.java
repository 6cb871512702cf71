package dev.aichatroom.voice;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aichatroom.mqtt.Json;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps what a session or pipeline would publish, as JSON, in order. */
final class RecordingOutbox implements Outbox {
    final List<JsonNode> signals = new CopyOnWriteArrayList<>();
    final List<JsonNode> events = new CopyOnWriteArrayList<>();

    @Override
    public void signal(Object payload) {
        signals.add(Json.tree(Wire.bytes(payload)).orElseThrow());
    }

    @Override
    public void event(Object payload) {
        events.add(Json.tree(Wire.bytes(payload)).orElseThrow());
    }

    List<String> eventTypes() {
        return events.stream()
                .map(e -> e.path("type").asText().equals("message")
                        ? "loading:" + e.path("payload").path("status").asText()
                        : e.path("type").asText())
                .toList();
    }
}
