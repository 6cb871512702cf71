package dev.aichatroom.chat;

import java.util.Map;

/**
 * The service's own system notices: stable codes and parameters, with the text in {@code CHAT_LANGUAGE} (the seed's
 * Chinese by default). "MQTT用户" is said of members that joined over MQTT only, not of the page's or the voice's.
 */
record Notices(boolean english) {
    static Notices of(String language) {
        return new Notices(language.startsWith("en"));
    }

    Notice connected() {
        return Notice.of("SERVICE_CONNECTED", Map.of(), english ? "MQTT service connected" : "MQTT服务已连接");
    }

    Notice stopping() {
        return Notice.of("SERVICE_STOPPING", Map.of(), english ? "MQTT service is stopping" : "MQTT服务即将停止");
    }

    Notice joined(String username, String source) {
        return presence("USER_JOINED", username, source, "joined the chat room", "加入了聊天室");
    }

    Notice left(String username, String source) {
        return presence("USER_LEFT", username, source, "left the chat room", "离开了聊天室");
    }

    /** A join or leave notice: the seed's text, with "MQTT user" before members that joined over MQTT. */
    private Notice presence(String code, String username, String source, String english, String chinese) {
        String prefix = isMqtt(source) ? (this.english ? "MQTT user " : "MQTT用户 ") : "";
        String text = this.english ? prefix + username + " " + english : prefix + username + " " + chinese;
        return Notice.of(code, Map.of("username", username, "source", source), text);
    }

    /** Members that joined over MQTT: no source (the seed's payload), "mqtt" or "device". */
    private static boolean isMqtt(String source) {
        return source.isEmpty() || source.equals("mqtt") || source.equals("device");
    }
}
