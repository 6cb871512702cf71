package dev.aichatroom.bench;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * What the bench writes into each message text and reads back on the far side: {@code t=<nanos>;r=<run>;p=<pub>;s=<seq>}.
 * {@code t} is the send time on this process's {@link System#nanoTime} clock (the bench both sends and receives, so
 * the clock is shared); {@code r} tells this run's messages from late ones of an earlier run.
 *
 * <p>The decoder scans raw bytes for {@code "t=} so it reads the marker from the chat service's output JSON (where the
 * text is {@code content}) and from the raw path's payload (where it is {@code message}) alike, without a JSON parse on
 * the receiving thread.
 */
public record Marker(long sentNanos, int run, int publisher, int seq) {
    private static final byte[] START = "\"t=".getBytes(StandardCharsets.US_ASCII);

    public String text() {
        return "t=" + sentNanos + ";r=" + run + ";p=" + publisher + ";s=" + seq;
    }

    /** A chat input ({@code chatroom/messages/in}, PROTOCOL.md §1) whose message is this marker. */
    public byte[] chatInput(String clientId, String username) {
        return ("{\"client_id\":\"" + clientId + "\",\"username\":\"" + username + "\",\"message\":\"" + text() + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    public static Optional<Marker> find(byte[] payload) {
        int at = indexOf(payload, START);
        if (at < 0) {
            return Optional.empty();
        }
        Cursor c = new Cursor(payload, at + START.length);
        long t = c.number();
        if (t < 0 && c.pos == at + START.length) {
            return Optional.empty();
        }
        if (!c.expect(";r=")) {
            return Optional.empty();
        }
        long run = c.number();
        if (!c.expect(";p=")) {
            return Optional.empty();
        }
        long pub = c.number();
        if (!c.expect(";s=")) {
            return Optional.empty();
        }
        long seq = c.number();
        if (run < 0
                || pub < 0
                || seq < 0
                || run > Integer.MAX_VALUE
                || pub > Integer.MAX_VALUE
                || seq > Integer.MAX_VALUE) {
            return Optional.empty();
        }
        return Optional.of(new Marker(t, (int) run, (int) pub, (int) seq));
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static final class Cursor {
        private final byte[] bytes;
        private int pos;

        Cursor(byte[] bytes, int pos) {
            this.bytes = bytes;
            this.pos = pos;
        }

        /** A signed decimal, or -1 with {@code pos} unmoved when there is none (nanoTime may be negative). */
        long number() {
            int start = pos;
            boolean negative = pos < bytes.length && bytes[pos] == '-';
            if (negative) {
                pos++;
            }
            long value = 0;
            int digits = 0;
            while (pos < bytes.length && bytes[pos] >= '0' && bytes[pos] <= '9' && digits < 19) {
                value = value * 10 + (bytes[pos++] - '0');
                digits++;
            }
            if (digits == 0) {
                pos = start;
                return -1;
            }
            return negative ? -value : value;
        }

        boolean expect(String s) {
            if (pos + s.length() > bytes.length) {
                return false;
            }
            for (int i = 0; i < s.length(); i++) {
                if (bytes[pos + i] != s.charAt(i)) {
                    return false;
                }
            }
            pos += s.length();
            return true;
        }
    }
}
