package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aichatroom.testing.FreePorts;
import dev.aichatroom.testing.Mosquitto;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The external broker is not there when the product starts: nothing listens (connection refused), or a listener
 * accepts and never answers CONNECT. The product starts all the same, says why on {@code /health} (503), and once
 * Debian's Mosquitto appears on that port it connects, subscribes and carries chat.
 */
@Timeout(120)
class BrokerUnreachableAtStartIT {
    @Test
    void a_refused_broker_does_not_stop_start_up_and_chat_works_once_it_appears() {
        int port = FreePorts.next();
        try (TestProduct product = startAgainst(port)) {
            assertDownBecause(product, "127.0.0.1:" + port);
            try (Mosquitto mosquitto = Mosquitto.startOn(port, true, "")) {
                assertChatWorks(product, mosquitto);
            }
        }
    }

    @Test
    void a_listener_that_never_answers_connect_does_not_stop_start_up_and_chat_works_once_a_broker_replaces_it()
            throws Exception {
        int port = FreePorts.next();
        List<Socket> held = new CopyOnWriteArrayList<>();
        ServerSocket silent = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = Thread.ofVirtual().start(() -> {
            try {
                while (true) {
                    held.add(silent.accept()); // accepted, read nothing, answer nothing
                }
            } catch (IOException closed) {
                // the test closed it
            }
        });
        try (TestProduct product = startAgainst(port)) {
            assertDownBecause(product, "127.0.0.1:" + port);
            assertThat(held).as("the product tried the silent listener").isNotEmpty();
            silent.close();
            acceptor.join();
            for (Socket s : held) {
                s.close();
            }
            try (Mosquitto mosquitto = Mosquitto.startOn(port, true, "")) {
                assertChatWorks(product, mosquitto);
            }
        } finally {
            silent.close();
        }
    }

    /**
     * Returns once the product serves HTTP; the broker is still unreachable then (the callers say why), which shows
     * that start-up did not wait for it. No bound on the time: a loaded machine took 31 s to start the JVM.
     */
    private static TestProduct startAgainst(int port) {
        return TestProduct.start(Map.of(
                "MQTT_BROKER", "127.0.0.1",
                "MQTT_PORT", Integer.toString(port),
                "MQTT_CLIENT_ID", "chat-service-late-broker"));
    }

    private static void assertDownBecause(TestProduct product, String endpoint) {
        HttpResponse<String> health = product.get("/health");
        assertThat(health.statusCode()).isEqualTo(503);
        assertThat(health.body()).contains("\"broker\":{\"status\":\"down\"").contains(endpoint);
        assertThat(product.get("/api/rooms/main/messages").statusCode())
                .as("HTTP serves meanwhile")
                .isEqualTo(200);
    }

    private static void assertChatWorks(TestProduct product, Mosquitto mosquitto) {
        await().atMost(Duration.ofSeconds(30))
                .until(() -> product.get("/health").statusCode() == 200);
        try (TestMqtt client = TestMqtt.connect(mosquitto.port(), "late-client").subscribe("chatroom/messages/out")) {
            client.publish(
                    "chatroom/messages/in",
                    "{\"client_id\":\"late-client\",\"username\":\"迟到\",\"message\":\"broker is here\"}");
            client.await("chatroom/messages/out", r -> r.text().contains("broker is here"));
        }
        assertThat(product.get("/mqtt/status").body()).contains("\"is_connected\":true");
    }
}
