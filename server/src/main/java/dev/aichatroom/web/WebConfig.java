package dev.aichatroom.web;

import java.time.Duration;
import java.util.Optional;

/**
 * Settings of the chat page and the MQTT credentials it gets.
 *
 * @param mqttWsUrl where browsers reach MQTT over WebSocket; empty = the host the browser used, on the embedded
 *     broker's WebSocket port, path {@code /mqtt}
 * @param assistantName the assistant's display name, shown as a member of every room
 * @param tokenSecret signs MQTT tokens; empty = a random secret per start (tokens die with the process)
 * @param tokenTtl how long an MQTT token lets a browser connect
 * @param tokenRatePerMinute tokens one IP address may get per minute (0 = unlimited)
 */
public record WebConfig(
        Optional<String> mqttWsUrl,
        String assistantName,
        Optional<String> tokenSecret,
        Duration tokenTtl,
        int tokenRatePerMinute) {
    public static WebConfig defaults() {
        return new WebConfig(Optional.empty(), "智能助手", Optional.empty(), Duration.ofHours(1), 30);
    }
}
