package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aichatroom.testing.Mosquitto;
import dev.aichatroom.testing.Processes;
import dev.aichatroom.testing.TestCertificates;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The product on an external broker it reaches over TLS only (Mosquitto with a self-signed certificate, trusted
 * through {@code MQTT_CA_FILE}), the way it reaches a managed EMQX or HiveMQ endpoint: the chat service's connection
 * and the MCP library's connections both go over TLS.
 */
@Timeout(90)
class ExternalBrokerTlsIT {
    @TempDir
    static Path dir;

    private static Mosquitto mosquitto;
    private static TestProduct product;

    @BeforeAll
    static void start() {
        TestCertificates certs = TestCertificates.make(dir, "ec", "localhost", "127.0.0.1");
        mosquitto = Mosquitto.startWithTls(certs);
        product = TestProduct.start(Map.of(
                "MQTT_BROKER", "127.0.0.1",
                "MQTT_PORT", Integer.toString(mosquitto.tlsPort()),
                "MQTT_TLS", "true",
                "MQTT_CA_FILE", certs.certificate().toString(),
                "MQTT_CLIENT_ID", "chat-service-tls-it"));
    }

    @AfterAll
    static void stop() {
        if (product != null) {
            product.close();
        }
        if (mosquitto != null) {
            mosquitto.close();
        }
    }

    @Test
    void the_seed_example_reaches_the_room_through_a_broker_the_service_speaks_tls_to() {
        try (TestMqtt observer =
                TestMqtt.connect(mosquitto.port(), "tls-observer").subscribe("chatroom/messages/out")) {
            Processes.mosquittoPub(
                    mosquitto.port(),
                    "chatroom/messages/in",
                    "{\"client_id\":\"test\",\"username\":\"测试\",\"message\":\"hello through TLS\"}");

            observer.await("chatroom/messages/out", r -> r.text().contains("hello through TLS"));
        }
        assertThat(product.get("/mqtt/status").body())
                .contains("\"is_connected\":true")
                .contains("\"broker_info\":\"127.0.0.1:" + mosquitto.tlsPort() + "\"");
    }

    @Test
    void the_rooms_mcp_server_announces_itself_over_its_own_tls_connection() {
        try (TestMqtt observer = TestMqtt.connect(mosquitto.port(), "tls-mcp-observer")
                .subscribe("$mcp-server/presence/+/ai-chatroom/main")) {
            assertThat(observer.await("$mcp-server/presence/+/ai-chatroom/main", r -> r.payload().length > 0)
                            .text())
                    .contains("ai-chatroom/main");
        }
    }

    @Test
    void a_broker_certificate_nobody_vouches_for_stops_start_up_with_what_to_check() {
        assertThatThrownBy(() -> TestProduct.start(Map.of(
                        "MQTT_BROKER", "127.0.0.1",
                        "MQTT_PORT", Integer.toString(mosquitto.tlsPort()),
                        "MQTT_TLS", "true",
                        "MQTT_CLIENT_ID", "chat-service-tls-untrusted")))
                .hasMessageContaining("cannot connect to the MQTT broker at 127.0.0.1:" + mosquitto.tlsPort())
                .hasMessageContaining("certification path")
                .hasMessageContaining("MQTT_TLS");
    }
}
