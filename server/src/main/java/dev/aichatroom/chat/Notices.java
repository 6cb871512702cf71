package dev.aichatroom.chat;

/** The texts of system notices; the seed's Chinese texts by default. */
record Notices(String connected, String stopping, String joined, String left) {
    static Notices of(String language) {
        return language.startsWith("en")
                ? new Notices(
                        "MQTT service connected",
                        "MQTT service is stopping",
                        "MQTT user {0} joined the chat room",
                        "MQTT user {0} left the chat room")
                : new Notices("MQTT服务已连接", "MQTT服务即将停止", "MQTT用户 {0} 加入了聊天室", "MQTT用户 {0} 离开了聊天室");
    }

    String joined(String username) {
        return joined.replace("{0}", username);
    }

    String left(String username) {
        return left.replace("{0}", username);
    }
}
