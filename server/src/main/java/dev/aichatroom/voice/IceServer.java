package dev.aichatroom.voice;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A STUN or TURN server the proxy's peer connections use, as in a browser's {@code RTCIceServer}. */
public record IceServer(List<String> urls, Optional<String> username, Optional<String> credential) {
    public IceServer {
        urls = List.copyOf(urls);
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("an ICE server needs at least one URL");
        }
        for (String url : urls) {
            if (!url.matches("(stun|stuns|turn|turns):[^\\s]+")) {
                throw new IllegalArgumentException("'" + url + "' is not a stun:, stuns:, turn: or turns: URL");
            }
        }
    }

    /** This server as an entry of a browser's {@code RTCConfiguration.iceServers}, credentials included. */
    public Map<String, Object> browserEntry() {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("urls", urls);
        username.ifPresent(u -> entry.put("username", u));
        credential.ifPresent(c -> entry.put("credential", c));
        return entry;
    }
}
