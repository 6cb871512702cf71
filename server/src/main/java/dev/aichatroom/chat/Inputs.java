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
        if (TextRules.utf8(payload).isEmpty()) {
            return refused(Code.INVALID_ENCODING, "payload is not well-formed UTF-8", Optional.empty());
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
        return text(json, "message_id")
                .filter(k -> !k.isBlank()
                        && k.length() <= 128
                        && !TextRules.hasControl(k, false)
                        && !TextRules.hasLoneSurrogate(k));
    }

    private static Result object(Topics.Input input, JsonNode json, ChatConfig limits) {
        Optional<String> clientId = text(json, "client_id");
        if (clientId.isEmpty() || clientId.get().isBlank()) {
            return refused(Code.MISSING_FIELD, "client_id is required", Optional.empty());
        }
        String id = clientId.get();
        // none of these can name the error topic: the reply goes to the publisher's MQTT client id, if known
        Optional<Refused> badId = name("client_id", id, limits.maxClientIdChars(), Optional.empty());
        if (badId.isPresent()) {
            return badId.get();
        }
        if (!TopicFilter.isLevel(id)) {
            return refused(Code.INVALID_CLIENT_ID, "client_id must not contain / + or #", Optional.empty());
        }
        Optional<String> replyTo = Optional.of(id);
        Optional<String> username = text(json, "username").map(String::strip).filter(u -> !TextRules.isBlank(u));
        if (username.isPresent()) {
            Optional<Refused> badName = name("username", username.get(), limits.maxUsernameChars(), replyTo);
            if (badName.isPresent()) {
                return badName.get();
            }
            Optional<String> reserved = limits.reservedNames().lookalikeOf(username.get());
            if (reserved.isPresent()) {
                return refused(Code.RESERVED_NAME, reservedMessage(reserved.get()), replyTo);
            }
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

    /** Why a username was refused: it is, or looks like, that reserved name. */
    static String reservedMessage(String reservedName) {
        return "username is reserved: it is, or looks like, '" + reservedName + "'; choose another";
    }

    /** The rules of a name (a client id, a username): no control character of any kind, no bidi control. */
    private static Optional<Refused> name(String field, String value, int maxChars, Optional<String> replyTo) {
        if (TextRules.hasLoneSurrogate(value)) {
            return Optional.of(refused(Code.INVALID_ENCODING, field + " holds a lone UTF-16 surrogate", replyTo));
        }
        if (TextRules.hasControl(value, false)) {
            return Optional.of(
                    refused(Code.CONTROL_CHARACTER, field + " must not contain control characters", replyTo));
        }
        if (TextRules.hasBidiControl(value)) {
            return Optional.of(refused(
                    Code.BIDI_CONTROL,
                    field + " must not contain bidi embeddings, overrides or isolates (U+202A–U+202E, U+2066–U+2069)",
                    replyTo));
        }
        if (value.codePointCount(0, value.length()) > maxChars) {
            return Optional.of(refused(Code.TOO_LARGE, field + " is longer than " + maxChars + " characters", replyTo));
        }
        return Optional.empty();
    }

    private static Result message(
            JsonNode json,
            String clientId,
            Optional<String> username,
            String source,
            ChatConfig limits,
            Optional<String> replyTo) {
        Optional<String> text = text(json, "message");
        if (text.isPresent() && TextRules.hasLoneSurrogate(text.get())) {
            return refused(Code.INVALID_ENCODING, "message holds a lone UTF-16 surrogate", replyTo);
        }
        if (text.isPresent() && TextRules.hasControl(text.get(), true)) {
            return refused(
                    Code.CONTROL_CHARACTER,
                    "message must not contain control characters other than newline and tab",
                    replyTo);
        }
        if (text.isEmpty() || TextRules.isBlank(text.get())) {
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
        return TopicFilter.isLevel(clientId)
                && !TextRules.hasControl(clientId, false)
                && !TextRules.hasLoneSurrogate(clientId);
    }

    private static Optional<String> text(JsonNode json, String field) {
        JsonNode node = json.get(field);
        return node == null || !node.isTextual() ? Optional.empty() : Optional.of(node.asText());
    }

    private static Refused refused(Code code, String message, Optional<String> replyTo) {
        return new Refused(Rejection.of(code, message), replyTo);
    }
}
