package dev.aichatroom.chat;

import java.time.Duration;

/**
 * Chat rules.
 *
 * @param ratePerMinute messages a client may send per minute on average (0 = unlimited)
 * @param rateBurst messages a client may send at once
 * @param idleTimeout members silent this long are removed (zero = never), unless bound to a connection the broker
 *     reports as live
 * @param language {@code zh} or {@code en}: the language of system notices
 */
public record ChatConfig(
        String defaultRoom,
        int maxMessageChars,
        int maxUsernameChars,
        int maxClientIdChars,
        int maxPayloadBytes,
        int ratePerMinute,
        int rateBurst,
        Duration idleTimeout,
        String language) {
    public static ChatConfig defaults() {
        return new ChatConfig("main", 4000, 32, 128, 65536, 120, 20, Duration.ofHours(1), "zh");
    }
}
