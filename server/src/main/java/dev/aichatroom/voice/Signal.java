package dev.aichatroom.voice;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aichatroom.mqtt.Json;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One signalling message from a device on {@code $webrtc/{id}/multimedia_proxy} (PROTOCOL.md §3): {@code {"type": T,
 * "data": D}}. Anything that cannot be read becomes {@link Invalid} with the reason the device is told.
 */
sealed interface Signal {
    /** Largest signalling payload read; an SDP is a few kB. */
    int MAX_BYTES = 64 * 1024;
    /** Longest typed text taken from a {@code chat} message. */
    int MAX_CHAT_CHARS = 4000;

    Pattern SDP_UFRAG = Pattern.compile("a=ice-ufrag:(\\S+)");
    Pattern CANDIDATE_UFRAG = Pattern.compile(" ufrag (\\S+)");

    /** {@code sdp_offer}: the device's offer. */
    record Offer(String sdp) implements Signal {
        /** The ICE username fragments of the offer ({@code a=ice-ufrag:}, one per m-section or one for all). */
        Set<String> iceUfrags() {
            Set<String> ufrags = new HashSet<>();
            Matcher m = SDP_UFRAG.matcher(sdp);
            while (m.find()) {
                ufrags.add(m.group(1));
            }
            return Set.copyOf(ufrags);
        }
    }

    /** {@code ice_candidate}: a remote candidate; an empty candidate string means the end of candidates. */
    record Candidate(String candidate, Optional<String> sdpMid, int sdpMLineIndex, Optional<String> usernameFragment)
            implements Signal {
        /** The offer this candidate belongs to: {@code usernameFragment}, else the {@code ufrag} in the candidate. */
        Optional<String> ufrag() {
            if (usernameFragment.isPresent()) {
                return usernameFragment;
            }
            Matcher m = CANDIDATE_UFRAG.matcher(candidate);
            return m.find() ? Optional.of(m.group(1)) : Optional.empty();
        }
    }

    /** {@code chat}: typed text, handled like recognised speech. */
    record Chat(String text) implements Signal {}

    /** {@code webrtc_terminated} (or {@code hangup}/{@code bye}): the device ends the call. */
    record Hangup() implements Signal {}

    /** A message that cannot be used, with why. */
    record Invalid(String reason) implements Signal {}

    static Signal parse(byte[] payload) {
        if (payload.length > MAX_BYTES) {
            return new Invalid("signalling message larger than " + MAX_BYTES + " bytes");
        }
        Optional<JsonNode> tree = Json.tree(payload);
        if (tree.isEmpty() || !tree.get().isObject()) {
            return new Invalid("not a JSON object");
        }
        JsonNode root = tree.get();
        JsonNode data = root.path("data");
        String type = root.path("type").asText("");
        return switch (type) {
            case "sdp_offer" -> offer(data);
            case "ice_candidate" -> candidate(data);
            case "chat" -> chat(data);
            case "webrtc_terminated", "hangup", "bye" -> new Hangup();
            case "" -> new Invalid("missing type");
            default -> new Invalid("unsupported type '" + abbreviate(type) + "'");
        };
    }

    /**
     * A device → proxy message on {@code $message/{id}/multimedia_proxy} (PROTOCOL.md §4): {@code
     * {"type":"message","payload":…}}. A payload that is text, or an object with a {@code text}, is typed text like
     * {@code chat}; anything else is nothing for the proxy (empty), and never ends a call.
     */
    static Optional<Signal> parseMessage(byte[] payload) {
        if (payload.length > MAX_BYTES) {
            return Optional.empty();
        }
        Optional<JsonNode> tree = Json.tree(payload);
        if (tree.isEmpty()
                || !tree.get().isObject()
                || !"message".equals(tree.get().path("type").asText())) {
            return Optional.empty();
        }
        JsonNode body = tree.get().path("payload");
        if (!body.isTextual() && !body.path("text").isTextual()) {
            return Optional.empty();
        }
        Signal chat = chat(body);
        return chat instanceof Chat ? Optional.of(chat) : Optional.empty();
    }

    private static Signal offer(JsonNode data) {
        String sdp = data.isTextual() ? data.asText() : data.path("sdp").asText("");
        if (data.isObject()
                && data.has("type")
                && !"offer".equals(data.path("type").asText())) {
            return new Invalid("sdp_offer carries a description of type '"
                    + abbreviate(data.path("type").asText()) + "', not offer");
        }
        if (sdp.isBlank()) {
            return new Invalid("sdp_offer without sdp");
        }
        return new Offer(sdp);
    }

    private static Signal candidate(JsonNode data) {
        if (!data.isObject()) {
            return new Invalid("ice_candidate without data");
        }
        JsonNode candidate = data.path("candidate");
        if (!candidate.isTextual() && !candidate.isNull() && !candidate.isMissingNode()) {
            return new Invalid("ice_candidate.candidate is not a string");
        }
        Optional<String> mid = text(data.path("sdpMid"));
        JsonNode index = data.path("sdpMLineIndex");
        if (mid.isEmpty() && !index.canConvertToInt()) {
            return new Invalid("ice_candidate needs sdpMid or sdpMLineIndex");
        }
        return new Candidate(
                candidate.asText(""),
                mid,
                index.canConvertToInt() ? index.asInt() : 0,
                text(data.path("usernameFragment")));
    }

    private static Signal chat(JsonNode data) {
        String text = data.isTextual() ? data.asText() : data.path("text").asText("");
        if (text.isBlank()) {
            return new Invalid("chat without text");
        }
        return new Chat(text.length() > MAX_CHAT_CHARS ? text.substring(0, MAX_CHAT_CHARS) : text.strip());
    }

    private static Optional<String> text(JsonNode node) {
        return node.isTextual() && !node.asText().isEmpty() ? Optional.of(node.asText()) : Optional.empty();
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}
