package dev.aichatroom.voice;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Checks a device's SDP offer before any native resource is made for it (PROTOCOL.md §3, decision 0012). libwebrtc
 * opens sockets per transport: an offer with many media sections that are not bundled onto one transport made it open
 * hundreds of UDP sockets per call. An acceptable offer has one audio section, at most one video section (the voice page
 * offers one for the camera) and at most one data channel section, all on one transport: with more than one section a
 * single {@code a=group:BUNDLE} names every section, and every RTP section multiplexes RTCP ({@code a=rtcp-mux}).
 */
final class OfferCheck {
    /** One audio, one video, one data channel. */
    static final int MAX_SECTIONS = 3;
    /** A browser's offer with audio and video is 5–8 kB. */
    static final int MAX_SDP_CHARS = 32 * 1024;
    /** Candidates written into the offer itself (trickled ones are counted by the session). */
    static final int MAX_CANDIDATES = 32;

    private OfferCheck() {}

    /** Why the offer is refused, or empty when it may be answered. */
    static Optional<String> problem(String sdp) {
        if (sdp.length() > MAX_SDP_CHARS) {
            return Optional.of("the offer is longer than " + MAX_SDP_CHARS + " characters");
        }
        List<Section> sections = new ArrayList<>();
        List<Set<String>> bundles = new ArrayList<>();
        int candidates = 0;
        Section current = null;
        for (String raw : sdp.split("\r?\n")) {
            String line = raw.strip();
            if (line.startsWith("m=")) {
                current = new Section(kind(line));
                sections.add(current);
                if (sections.size() > MAX_SECTIONS) {
                    return Optional.of(tooMany(sdp));
                }
            } else if (line.startsWith("a=group:BUNDLE")) {
                bundles.add(
                        Set.of(line.substring("a=group:BUNDLE".length()).strip().split("\\s+")));
            } else if (line.startsWith("a=candidate:")) {
                candidates++;
            } else if (current != null && line.startsWith("a=mid:")) {
                current.mid = line.substring("a=mid:".length()).strip();
            } else if (current != null && line.equals("a=rtcp-mux")) {
                current.rtcpMux = true;
            }
        }
        return check(sections, bundles, candidates);
    }

    private static Optional<String> check(List<Section> sections, List<Set<String>> bundles, int candidates) {
        long audio = sections.stream().filter(s -> s.kind.equals("audio")).count();
        long video = sections.stream().filter(s -> s.kind.equals("video")).count();
        long data = sections.stream().filter(s -> s.kind.equals("application")).count();
        if (audio == 0) {
            return Optional.of("the offer has no audio (m=audio)");
        }
        if (audio > 1 || video > 1 || data > 1 || audio + video + data < sections.size()) {
            return Optional.of("the offer may have one audio, one video and one data channel section, not "
                    + audio + " audio, " + video + " video, " + data + " data channel and "
                    + (sections.size() - audio - video - data) + " other");
        }
        if (candidates > MAX_CANDIDATES) {
            return Optional.of("the offer carries " + candidates + " candidates; at most " + MAX_CANDIDATES);
        }
        for (Section s : sections) {
            if (!s.kind.equals("application") && !s.rtcpMux) {
                return Optional.of("the " + s.kind + " section of the offer does not multiplex RTCP (a=rtcp-mux)");
            }
        }
        if (sections.size() > 1) {
            Set<String> mids = new HashSet<>();
            sections.forEach(s -> mids.add(s.mid));
            if (bundles.size() != 1 || mids.contains(null) || !bundles.get(0).containsAll(mids)) {
                return Optional.of("the offer's " + sections.size()
                        + " sections must share one transport: one a=group:BUNDLE naming every a=mid");
            }
        }
        return Optional.empty();
    }

    private static String tooMany(String sdp) {
        long n = sdp.lines().filter(l -> l.startsWith("m=")).count();
        return "the offer has " + n + " media sections; at most " + MAX_SECTIONS
                + " (one audio, one video, one data channel)";
    }

    private static String kind(String mLine) {
        int space = mLine.indexOf(' ');
        return space < 0 ? mLine.substring(2) : mLine.substring(2, space);
    }

    private static final class Section {
        final String kind;
        String mid;
        boolean rtcpMux;

        Section(String kind) {
            this.kind = kind;
        }
    }
}
