package dev.aichatroom.chat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aichatroom.chat.Rejection.Code;
import dev.aichatroom.mqtt.Json;
import dev.aichatroom.mqtt.TopicFilter;
import java.util.Optional;
import java.util.Set;

/** Input payloads (PROTOCOL.md §1.2) and their validation. */
final class Inputs {
    /**
     * The sources a client may name; any other is {@code mqtt}. Not {@code voice}: the service alone marks voice
     * turns, which the assistant leaves to the voice companion, so a client claiming it would go unanswered.
     */
    private static final Set<String> SOURCES = Set.of("mqtt", "web", "device", "http");

    private Inputs() {}

    sealed interface Result permits Message, Join, Leave, Refused {}

    record Message(
            String clientId, Optional<String> username, String text, String source, Optional<String> idempotencyKey)
            implements Result {}

    record Join(String clientId, String username, String source) implements Result {}

    record Leave(String clientId) implements Result {}

    /** @param replyTo the client id to send the error to, when one could be read */
    record Refused(Rejection rejection, Optional<String> replyTo) implements Result {}

    static Result parse(Topics.Input input, byte[] payload, ChatConfig limits) {
        if (payload.length > limits.maxPayloadBytes()) {
            return refused(
                    Code.TOO_LARGE,
                    "payload is " + payload.length + " bytes; the limit is " + limits.maxPayloadBytes(),
                    Optional.empty());
        }
        Optional<JsonNode> tree = Json.tree(payload);
        if (tree.isEmpty() || !tree.get().isObject()) {
            return refused(
                    Code.INVALID_JSON,
                    "payload must be a JSON object, e.g. "
                            + "{\"client_id\":\"…\",\"username\":\"…\",\"message\":\"…\"}",
                    Optional.empty());
        }
        JsonNode json = tree.get();
        Result result = object(input, json, limits);
        return result instanceof Refused r ? new Refused(r.rejection().about(messageId(json)), r.replyTo()) : result;
    }

    /** The input's own {@code message_id}: its key for being taken once, and how error replies name it. */
    private static Optional<String> messageId(JsonNode json) {
        return text(json, "message_id").filter(k -> !k.isBlank() && k.length() <= 128);
    }

    private static Result object(Topics.Input input, JsonNode json, ChatConfig limits) {
        Optional<String> clientId = text(json, "client_id");
        if (clientId.isEmpty() || clientId.get().isBlank()) {
            return refused(Code.MISSING_FIELD, "client_id is required", Optional.empty());
        }
        String id = clientId.get();
        if (id.length() > limits.maxClientIdChars() || !canNameTopic(id)) {
            return refused(
                    Code.MISSING_FIELD,
                    "client_id must be 1 to " + limits.maxClientIdChars() + " characters without / + #",
                    Optional.empty());
        }
        Optional<String> replyTo = Optional.of(id);
        Optional<String> username = text(json, "username").map(String::strip).filter(s -> !s.isEmpty());
        if (username.isPresent()
                && username.get().codePointCount(0, username.get().length()) > limits.maxUsernameChars()) {
            return refused(
                    Code.TOO_LARGE, "username is longer than " + limits.maxUsernameChars() + " characters", replyTo);
        }
        String source = text(json, "source").filter(SOURCES::contains).orElse("mqtt");
        return switch (input) {
            case LEAVE -> new Leave(id);
            case JOIN ->
                username.<Result>map(u -> new Join(id, u, source))
                        .orElseGet(() -> refused(Code.MISSING_FIELD, "username is required to join", replyTo));
            case MESSAGE -> message(json, id, username, source, limits, replyTo);
        };
    }

    private static Result message(
            JsonNode json,
            String clientId,
            Optional<String> username,
            String source,
            ChatConfig limits,
            Optional<String> replyTo) {
        Optional<String> text = text(json, "message");
        if (text.isEmpty() || text.get().isBlank()) {
            return refused(Code.EMPTY_MESSAGE, "message is required and must not be empty", replyTo);
        }
        if (text.get().codePointCount(0, text.get().length()) > limits.maxMessageChars()) {
            return refused(
                    Code.TOO_LARGE, "message is longer than " + limits.maxMessageChars() + " characters", replyTo);
        }
        return new Message(clientId, username, text.get(), source, messageId(json));
    }

    /**
     * Whether a client id can stand as one level of the topic of its error reply: no {@code / + #}, no control
     * character, no lone surrogate (the MQTT client refuses to publish on such a topic).
     */
    static boolean canNameTopic(String clientId) {
        if (!TopicFilter.isLevel(clientId)) {
            return false;
        }
        for (int i = 0; i < clientId.length(); i++) {
            char c = clientId.charAt(i);
            if (Character.isISOControl(c) || Character.isSurrogate(c)) {
                if (!Character.isHighSurrogate(c)
                        || i + 1 >= clientId.length()
                        || !Character.isLowSurrogate(clientId.charAt(++i))) {
                    return false;
                }
            }
        }
        return true;
    }

    private static Optional<String> text(JsonNode json, String field) {
        JsonNode node = json.get(field);
        return node == null || !node.isTextual() ? Optional.empty() : Optional.of(node.asText());
    }

    private static Refused refused(Code code, String message, Optional<String> replyTo) {
        return new Refused(Rejection.of(code, message), replyTo);
    }
}
