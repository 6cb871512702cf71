package dev.aichatroom.ai;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Finds and removes mentions of the assistant (PROTOCOL.md §1.5): {@code @AI}, {@code @ai}, {@code @AI助手},
 * {@code @智能助手}, {@code @助手} or {@code @} + its display name, anywhere in the text, with an ASCII or a full-width
 * at sign. A mention is not part of a longer word: {@code mail@ai.com} and {@code @AIR} are not mentions.
 */
final class Mentions {
    private static final List<String> BUILT_IN = List.of("AI助手", "智能助手", "助手", "AI");

    private final List<String> names;

    Mentions(String displayName) {
        Set<String> all = new LinkedHashSet<>(BUILT_IN);
        if (!displayName.isBlank()) {
            all.add(displayName.strip());
        }
        List<String> sorted = new ArrayList<>(all);
        sorted.sort(Comparator.comparingInt(String::length).reversed());
        this.names = List.copyOf(sorted);
    }

    /** The text without its mentions of the assistant; empty when it does not mention the assistant. */
    Optional<String> strip(String text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean found = false;
        int i = 0;
        while (i < text.length()) {
            int length = mentionAt(text, i);
            if (length > 0) {
                found = true;
                i += length;
            } else {
                out.append(text.charAt(i++));
            }
        }
        return found ? Optional.of(tidy(out.toString())) : Optional.empty();
    }

    boolean mentions(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (mentionAt(text, i) > 0) {
                return true;
            }
        }
        return false;
    }

    /** The length of the mention that starts at {@code i}, or 0. */
    private int mentionAt(String text, int i) {
        char at = text.charAt(i);
        if (at != '@' && at != '＠' || i > 0 && isWordChar(text.charAt(i - 1))) {
            return 0;
        }
        for (String name : names) {
            int end = i + 1 + name.length();
            if (end <= text.length()
                    && text.regionMatches(true, i + 1, name, 0, name.length())
                    && (end == text.length()
                            || !isWordChar(text.charAt(end))
                            || !isWordChar(name.charAt(name.length() - 1)))) {
                return 1 + name.length();
            }
        }
        return 0;
    }

    /** ASCII letters, digits and underscore: a mention of {@code @AI} must not run on into them. */
    private static boolean isWordChar(char c) {
        return c < 128 && (Character.isLetterOrDigit(c) || c == '_');
    }

    /** Collapses the gaps a removed mention leaves and the punctuation that addressed it ({@code @AI，你好}). */
    private static String tidy(String text) {
        String collapsed = text.replaceAll("[ \\t\\u3000]{2,}", " ").strip();
        int start = 0;
        while (start < collapsed.length() && ",，:：、".indexOf(collapsed.charAt(start)) >= 0) {
            start++;
        }
        return collapsed.substring(start).strip();
    }
}
