package dev.aichatroom.broker;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Which web pages may open the MQTT WebSocket: a browser sends the page's {@code Origin}, other clients send none.
 *
 * @param allowed origins allowed ({@code https://chat.example.com}); empty = the product's own: a page served by its
 *     HTTP server on {@code httpPort} at the host the browser used for the WebSocket, or at {@code publicHost}
 * @param httpPort the product's HTTP port (PORT)
 * @param publicHost the host of MQTT_WS_URL (a reverse proxy's), if configured
 */
public record WebSocketOrigins(List<String> allowed, int httpPort, Optional<String> publicHost) {
    public WebSocketOrigins {
        allowed = allowed.stream().map(WebSocketOrigins::normalize).toList();
    }

    /** The product's own origins only. */
    public static WebSocketOrigins own(int httpPort, Optional<String> publicHost) {
        return new WebSocketOrigins(List.of(), httpPort, publicHost);
    }

    /** Whether a WebSocket upgrade with this {@code Origin} (absent: not a browser) and {@code Host} may proceed. */
    boolean allows(Optional<String> origin, Optional<String> hostHeader) {
        if (origin.isEmpty()) {
            return true;
        }
        String o = normalize(origin.get());
        if (!allowed.isEmpty()) {
            return allowed.contains(o);
        }
        Optional<URI> uri = parse(o);
        if (uri.isEmpty() || uri.get().getHost() == null) {
            return false;
        }
        String host = uri.get().getHost();
        if (publicHost.isPresent() && host.equalsIgnoreCase(publicHost.get())) {
            return true;
        }
        int port = uri.get().getPort() >= 0
                ? uri.get().getPort()
                : "https".equals(uri.get().getScheme()) ? 443 : 80;
        boolean sameHost = hostHeader
                .map(WebSocketOrigins::hostOnly)
                .filter(host::equalsIgnoreCase)
                .isPresent();
        // the product's page, or the WebSocket endpoint itself (what Netty-based clients such as HiveMQ's send; no
        // page is served from there)
        boolean endpoint = hostHeader
                .map(h -> h.trim().equalsIgnoreCase(host + ":" + port))
                .orElse(false);
        return sameHost && (port == httpPort || endpoint);
    }

    private static Optional<URI> parse(String origin) {
        try {
            URI uri = URI.create(origin);
            return "http".equals(uri.getScheme()) || "https".equals(uri.getScheme())
                    ? Optional.of(uri)
                    : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static String hostOnly(String hostHeader) {
        String h = hostHeader.trim();
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end > 0 ? h.substring(0, end + 1) : h;
        }
        int colon = h.lastIndexOf(':');
        return colon > 0 ? h.substring(0, colon) : h;
    }

    private static String normalize(String origin) {
        String o = origin.trim().toLowerCase(Locale.ROOT);
        return o.endsWith("/") ? o.substring(0, o.length() - 1) : o;
    }
}
