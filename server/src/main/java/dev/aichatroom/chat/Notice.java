package dev.aichatroom.chat;

import java.util.Map;
import java.util.Optional;

/**
 * A system notice: the seed's {@code message} text in the service's language, and (our addition) a stable
 * {@code code} with its parameters, so that each client can say it in its own language (PROTOCOL.md §1.2).
 */
public record Notice(Optional<String> code, Map<String, String> params, String text) {
    public Notice {
        params = Map.copyOf(params);
    }

    public static Notice of(String code, Map<String, String> params, String text) {
        return new Notice(Optional.of(code), params, text);
    }

    /** A notice with text only (no code a client could translate). */
    public static Notice text(String text) {
        return new Notice(Optional.empty(), Map.of(), text);
    }
}
