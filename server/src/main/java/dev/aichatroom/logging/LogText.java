package dev.aichatroom.logging;

/**
 * Makes text safe for one log line: CR, LF and every other control character (C0, DEL, C1), the line and paragraph
 * separators and the bidi controls that reorder what a terminal shows become escapes (a backslash, u and four hex
 * digits, as in Java), so that a client id, a
 * username, a topic or a header sent by a client can never start a forged log line or hide part of one (issue 15).
 */
public final class LogText {
    private LogText() {}

    public static String escape(String text) {
        if (text == null) {
            return "null";
        }
        int first = firstUnsafe(text);
        if (first < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + 16).append(text, 0, first);
        for (int i = first; i < text.length(); i++) {
            char c = text.charAt(i);
            if (unsafe(c)) {
                out.append(String.format("\\u%04X", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static int firstUnsafe(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (unsafe(c)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean unsafe(char c) {
        return Character.isISOControl(c)
                || c == 0x2028
                || c == 0x2029
                || (c >= 0x202A && c <= 0x202E)
                || (c >= 0x2066 && c <= 0x2069);
    }
}
