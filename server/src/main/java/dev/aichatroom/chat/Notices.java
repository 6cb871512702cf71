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
        Map<String, String> params = Map.of("username", username, "source", source);
        if (isMqtt(source)) {
            return Notice.of(
                    "USER_JOINED",
                    params,
                    english ? "MQTT user " + username + " joined the chat room" : "MQTT用户 " + username + " 加入了聊天室");
        }
        return Notice.of("USER_JOINED", params, english ? username + " joined the chat room" : username + " 加入了聊天室");
    }

    Notice left(String username, String source) {
        Map<String, String> params = Map.of("username", username, "source", source);
        if (isMqtt(source)) {
            return Notice.of(
                    "USER_LEFT",
                    params,
                    english ? "MQTT user " + username + " left the chat room" : "MQTT用户 " + username + " 离开了聊天室");
        }
        return Notice.of("USER_LEFT", params, english ? username + " left the chat room" : username + " 离开了聊天室");
    }

    /** Members that joined over MQTT: no source (the seed's payload), "mqtt" or "device". */
    private static boolean isMqtt(String source) {
        return source.isEmpty() || source.equals("mqtt") || source.equals("device");
    }
}
