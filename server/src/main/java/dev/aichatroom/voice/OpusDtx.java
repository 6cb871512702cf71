package dev.aichatroom.voice;

import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Asks the device to send Opus with discontinuous transmission ({@code usedtx=1} in the answer's {@code a=fmtp}, RFC
 * 7587 §6.1: the receiver's preference, which browsers and libwebrtc follow as senders). Between its user's words the
 * device then sends almost nothing, and the service's receive jitter buffer starts every talk spurt afresh at its
 * target delay: the lag that builds up while the headless audio device pulls received audio slower than real time
 * (docs/voice.md, "How late the service hears the device") is dropped at each pause instead of growing over the call.
 * Only the SDP sent to the device changes; the service's own local description stays as libwebrtc made it.
 */
final class OpusDtx {
    private static final Pattern OPUS = Pattern.compile("(?im)^a=rtpmap:(\\d+) opus/48000");

    private OpusDtx() {}

    /** The answer with {@code usedtx=1} on every Opus payload type that does not say {@code usedtx} already. */
    static String request(String sdp) {
        Set<String> opus = new HashSet<>();
        Matcher m = OPUS.matcher(sdp);
        while (m.find()) {
            opus.add(m.group(1));
        }
        if (opus.isEmpty()) {
            return sdp;
        }
        String eol = sdp.contains("\r\n") ? "\r\n" : "\n";
        StringBuilder out = new StringBuilder(sdp.length() + 32);
        Set<String> done = new HashSet<>();
        for (String line : sdp.split("\r?\n", -1)) {
            Matcher fmtp = Pattern.compile("^a=fmtp:(\\d+) (.*)$").matcher(line);
            if (fmtp.matches() && opus.contains(fmtp.group(1))) {
                done.add(fmtp.group(1));
                if (!fmtp.group(2).contains("usedtx")) {
                    line = line + ";usedtx=1";
                }
            }
            out.append(line).append(eol);
        }
        out.setLength(out.length() - eol.length()); // split kept the text after the last line break as a last line
        String withFmtp = out.toString();
        for (String pt : opus) {
            if (!done.contains(pt)) {
                withFmtp = withFmtp.replaceFirst(
                        "(?im)^(a=rtpmap:" + pt + " opus/48000[^\\r\\n]*)", "$1" + eol + "a=fmtp:" + pt + " usedtx=1");
            }
        }
        return withFmtp;
    }
}
