package dev.aichatroom.voice;

import dev.aichatroom.mqtt.TopicFilter;
import java.util.Optional;

/** Every topic of WebRTC signalling and voice events (PROTOCOL.md §3, §4). */
final class VoiceTopics {
    static final String SIGNALLING_IN = "$webrtc/+/multimedia_proxy";
    /** Device → proxy messages (PROTOCOL.md §4): {@code {"type":"message","payload":…}}. */
    static final String EVENTS_IN = "$message/+/multimedia_proxy";

    private static final String PROXY = "/multimedia_proxy";

    private VoiceTopics() {}

    /** Proxy → device signalling. */
    static String signalling(String deviceId) {
        return "$webrtc/" + deviceId;
    }

    /** Proxy → device voice events. */
    static String events(String deviceId) {
        return "$message/" + deviceId;
    }

    /** Whether {@code topic} is a device → proxy message topic ({@link #EVENTS_IN}) rather than signalling. */
    static boolean isEventsIn(String topic) {
        return topic.startsWith("$message/");
    }

    /** The device id of {@code $webrtc/{id}/multimedia_proxy} or {@code $message/{id}/multimedia_proxy}. */
    static Optional<String> deviceOf(String topic) {
        for (String root : new String[] {"$webrtc/", "$message/"}) {
            if (topic.startsWith(root) && topic.endsWith(PROXY)) {
                String id = topic.substring(root.length(), topic.length() - PROXY.length());
                if (TopicFilter.isLevel(id)) {
                    return Optional.of(id);
                }
            }
        }
        return Optional.empty();
    }
}
