package dev.aichatroom.voice;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts streamed reply text into sentences as it arrives, so speech can start before the reply is complete: a
 * sentence ends at {@code . ! ? ; :} followed by a space, at {@code 。！？；：} or a line break, once it has at least
 * {@value #MIN_CHARS} characters; a sentence longer than {@value #MAX_CHARS} characters is cut at a comma or space.
 * Sentences keep the reply's spacing (the space after a full stop opens the next sentence), so that a page that
 * concatenates the {@code tts_text}s shows "now. Anything else?"; only the reply's leading and final trailing
 * whitespace is dropped. Speak them {@link String#strip() stripped}.
 */
final class Sentences {
    static final int MIN_CHARS = 8;
    static final int MAX_CHARS = 200;
    private final StringBuilder pending = new StringBuilder();
    private boolean first = true;

    /** Adds streamed text; returns the sentences it completed. */
    List<String> add(String delta) {
        pending.append(delta);
        List<String> done = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < pending.length(); i++) {
            char c = pending.charAt(i);
            boolean wide = "。！？；：\n".indexOf(c) >= 0;
            boolean narrow = ".!?;:".indexOf(c) >= 0
                    && i + 1 < pending.length()
                    && Character.isWhitespace(pending.charAt(i + 1));
            if ((wide || narrow) && i + 1 - start >= MIN_CHARS) {
                add(done, pending.substring(start, i + 1));
                start = i + 1;
            } else if (i + 1 - start >= MAX_CHARS) {
                int cut = lastBreak(start, i);
                add(done, pending.substring(start, cut));
                start = cut;
            }
        }
        pending.delete(0, start);
        return done;
    }

    private int lastBreak(int start, int end) {
        for (int i = end; i > start + MIN_CHARS; i--) {
            char c = pending.charAt(i);
            if (c == ',' || c == '，' || c == '、' || Character.isWhitespace(c)) {
                return i + 1;
            }
        }
        return end + 1;
    }

    /** The rest, at the end of the reply. */
    List<String> flush() {
        List<String> done = new ArrayList<>();
        add(done, pending.toString().stripTrailing());
        pending.setLength(0);
        return done;
    }

    private void add(List<String> done, String sentence) {
        if (sentence.codePoints().anyMatch(Character::isLetterOrDigit)) {
            done.add(first ? sentence.stripLeading() : sentence);
            first = false;
        }
    }
}
