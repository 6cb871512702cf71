package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import dev.aichatroom.testing.Mosquitto;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The service's connection to Debian's Mosquitto taken away: kicked again and again by another client with its client
 * id, and cut by a broker restart that forgets every session while accounts are required. Each time it comes back by
 * itself, logged in and subscribed, and {@code /health} says down while it is not.
 */
@Timeout(120)
class ServiceConnectionWatchdogIT {
    @Test
    void the_service_comes_back_after_being_kicked_repeatedly_and_health_tells_the_truth_meanwhile() {
        try (Mosquitto mosquitto = Mosquitto.start(true);
                TestProduct product = TestProduct.start(Map.of(
                        "MQTT_BROKER", "127.0.0.1",
                        "MQTT_PORT", Integer.toString(mosquitto.port()),
                        "MQTT_CLIENT_ID", "svc-kicked"))) {
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> product.get("/health").statusCode() == 200);
            boolean sawDown = false;
            long until = System.nanoTime() + Duration.ofSeconds(8).toNanos();
            while (System.nanoTime() < until) {
                Mqtt5BlockingClient rogue = TestMqtt.unconnected(mosquitto.port(), "svc-kicked");
                try {
                    rogue.connectWith()
                            .cleanStart(false)
                            .sessionExpiryInterval(3600)
                            .send();
                    sawDown |= product.get("/health").statusCode() == 503;
                    rogue.disconnect();
                } catch (RuntimeException kickedBack) {
                    // the service took its id back first: the fight the watchdog must survive
                }
            }
            assertThat(sawDown)
                    .as("/health said down while the service was kicked off")
                    .isTrue();
            assertChatWorks(product, mosquitto, "after the kicks");
        }
    }

    @Test
    void the_service_logs_in_again_and_subscribes_again_after_a_broker_restart_that_lost_its_session() {
        try (Mosquitto mosquitto = Mosquitto.startWithPasswords(Map.of("svc", "svc-secret", "dev", "dev-secret"));
                TestProduct product = TestProduct.start(Map.of(
                        "MQTT_BROKER", "127.0.0.1",
                        "MQTT_PORT", Integer.toString(mosquitto.port()),
                        "MQTT_CLIENT_ID", "svc-auth",
                        "MQTT_USERNAME", "svc",
                        "MQTT_PASSWORD", "svc-secret"))) {
            assertChatWorks(product, mosquitto, "before the restart");
            mosquitto.restart(); // not persistent: sessions and subscriptions are gone
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> product.get("/health").statusCode() == 200);
            assertChatWorks(product, mosquitto, "after the restart");
        }
    }

    private static void assertChatWorks(TestProduct product, Mosquitto mosquitto, String text) {
        await().atMost(Duration.ofSeconds(30))
                .until(() -> product.get("/health").statusCode() == 200);
        try (TestMqtt client = TestMqtt.connect(
                        mosquitto.port(),
                        "dev",
                        b -> b.simpleAuth()
                                .username("dev")
                                .password("dev-secret".getBytes(StandardCharsets.UTF_8))
                                .applySimpleAuth(),
                        c -> c)
                .subscribe("chatroom/messages/out")) {
            client.publish(
                    "chatroom/messages/in", "{\"client_id\":\"dev\",\"username\":\"d\",\"message\":\"" + text + "\"}");
            client.await("chatroom/messages/out", r -> r.text().contains(text), Duration.ofSeconds(20));
        }
    }
}
