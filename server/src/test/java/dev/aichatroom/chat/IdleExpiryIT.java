package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aichatroom.testing.Mosquitto;
import dev.aichatroom.testing.Processes;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code CHAT_IDLE_TIMEOUT} on an external broker, where the service cannot see connections: a member that stays
 * silent that long leaves the room, one that keeps talking stays.
 */
@Timeout(60)
class IdleExpiryIT {
    @Test
    void a_silent_member_expires_and_a_talking_one_stays() {
        try (Mosquitto mosquitto = Mosquitto.start(true);
                TestProduct product = TestProduct.start(Map.of(
                        "MQTT_BROKER", "127.0.0.1",
                        "MQTT_PORT", Integer.toString(mosquitto.port()),
                        "MQTT_CLIENT_ID", "idle-service-it",
                        "CHAT_IDLE_TIMEOUT", "3"));
                TestMqtt observer = TestMqtt.connect(mosquitto.port(), "idle-observer")
                        .subscribe("chatroom/system", "chatroom/users/online")) {
            int port = mosquitto.port();
            Processes.mosquittoPub(port, "chatroom/users/join", "{\"client_id\":\"silent\",\"username\":\"沉默\"}");
            Processes.mosquittoPub(port, "chatroom/users/join", "{\"client_id\":\"talker\",\"username\":\"话多\"}");
            observer.await(
                    "chatroom/users/online",
                    r -> r.text().contains("silent") && r.text().contains("talker"));
            long joined = System.nanoTime();

            for (int i = 0; i < 5; i++) {
                Processes.mosquittoPub(
                        port,
                        "chatroom/messages/in",
                        "{\"client_id\":\"talker\",\"message\":\"still here " + i + "\"}");
                sleep(Duration.ofSeconds(1));
            }
            observer.await("chatroom/system", r -> r.text().contains("沉默 离开了聊天室"), Duration.ofSeconds(10));
            assertThat(Duration.ofNanos(System.nanoTime() - joined))
                    .as("not before the idle timeout")
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(3));
            observer.await(
                    "chatroom/users/online",
                    r -> !r.text().contains("silent") && r.text().contains("talker"));
            assertThat(observer.on("chatroom/system")).noneMatch(r -> r.text().contains("话多 离开了聊天室"));
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
