package dev.aichatroom.chat;

import com.ibm.icu.lang.UCharacter;
import com.ibm.icu.lang.UProperty;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The character rules of chat input (PROTOCOL.md §1.4), in one place: well-formed UTF-8, no control characters (a
 * message may hold newline and tab), no bidi overrides in names, and what counts as an empty text.
 */
final class TextRules {
    // loops over the characters rather than streams: these run for every chat input (issue 13: the streams'
    // pipelines were a few per cent of what the chat path allocated)
    /** Braille pattern blank: shows as nothing, yet is neither a space nor default-ignorable in Unicode. */
    private static final int BRAILLE_BLANK = 0x2800;

    private TextRules() {}

    /**
     * The text of well-formed UTF-8; empty for anything else (overlong forms such as {@code C0 AF} for {@code /},
     * encoded surrogates, truncated sequences), which Java's lenient decoders would turn into characters.
     */
    static Optional<String> utf8(byte[] bytes) {
        try {
            return Optional.of(StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    /** Whether the string holds a surrogate without its pair (a JSON {@code \ud800} escape makes one). */
    static boolean hasLoneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the string holds a C0 or C1 control character (or DEL); newline and tab only when not allowed. */
    static boolean hasControl(String s, boolean newlineAndTabAllowed) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c) && !(newlineAndTabAllowed && (c == '\n' || c == '\t'))) {
                return true;
            }
        }
        return false;
    }

    /** Whether the string holds a bidi embedding, override or isolate (U+202A–U+202E, U+2066–U+2069). */
    static boolean hasBidiControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the string shows nothing: only white space (U+3000 and other spaces included), default-ignorable code
     * points (U+200B, U+2060, U+FEFF, U+3164, variation selectors, …) and the braille blank.
     */
    static boolean isBlank(String s) {
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            if (!(UCharacter.isUWhiteSpace(c)
                    || Character.isWhitespace(c)
                    || UCharacter.hasBinaryProperty(c, UProperty.DEFAULT_IGNORABLE_CODE_POINT)
                    || c == BRAILLE_BLANK)) {
                return false;
            }
            i += Character.charCount(c);
        }
        return true;
    }
}
