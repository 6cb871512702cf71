package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import dev.aichatroom.testing.ChatTraffic;
import dev.aichatroom.testing.Mosquitto;
import dev.aichatroom.testing.TestProduct;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * MQTT_OUTPUT_QOS=auto, the default, on real Mosquitto 2.0.11, whose debug log shows the QoS of each PUBLISH it
 * receives: with the output witness (the default) chat messages go out at QoS 1 on their own connection without a
 * session, whatever the broker (decision 0046); without it, at QoS 2 unless the broker says it is a Mosquitto before
 * 2.0.13 (decision 0027).
 */
@Timeout(180)
class OutputQosIT {
    private static final String SERVICE = "chat-service-output-qos";

    @Test
    void on_debian_mosquitto_2_0_11_chat_messages_go_out_at_qos_1_by_default() {
        try (Mosquitto mosquitto = Mosquitto.start(false, "log_type debug\n");
                TestProduct product = product(mosquitto)) {
            await().atMost(Duration.ofSeconds(120))
                    .until(() -> product.get("/health").statusCode() == 200);
            assertThat(receivedOutputQos(mosquitto, SERVICE + "-out")).isEqualTo("q1");
        }
    }

    /**
     * An account that may not read {@code $SYS} (here: every client) cannot tell the broker's version: without the
     * witness the broker gets QoS 2 (0027); with it, QoS 1 on the outputs' own connection (0046), which does not read
     * the version.
     */
    @Test
    void a_broker_that_does_not_show_its_version_gets_chat_messages_at_qos_2_without_the_witness() throws IOException {
        Path acl = Files.createTempFile("output-qos", ".acl");
        Files.writeString(acl, "topic readwrite chatroom/#\ntopic readwrite aichatroom/#\n");
        try (Mosquitto mosquitto = Mosquitto.start(false, "log_type debug\nacl_file " + acl + "\n")) {
            try (TestProduct product = product(mosquitto, "false")) {
                await().atMost(Duration.ofSeconds(120))
                        .until(() -> product.get("/health").statusCode() == 200);
                assertThat(receivedOutputQos(mosquitto, SERVICE)).isEqualTo("q2");
            }
            try (TestProduct product = product(mosquitto, "true")) {
                await().atMost(Duration.ofSeconds(120))
                        .until(() -> product.get("/health").statusCode() == 200);
                assertThat(receivedOutputQos(mosquitto, SERVICE + "-out")).isEqualTo("q1");
            }
        }
    }

    private static TestProduct product(Mosquitto mosquitto) {
        return product(mosquitto, "true");
    }

    private static TestProduct product(Mosquitto mosquitto, String witness) {
        return TestProduct.start(Map.of(
                "MQTT_BROKER",
                "127.0.0.1",
                "MQTT_PORT",
                Integer.toString(mosquitto.port()),
                "MQTT_CLIENT_ID",
                SERVICE,
                "CHAT_OUTPUT_WITNESS",
                witness,
                "VOICE_ENABLE",
                "false",
                "MCP_ENABLE",
                "false"));
    }

    /**
     * Sends one chat message and reads, from Mosquitto's log, the QoS the service published its output at, on the
     * connection named {@code publisher}.
     */
    private static String receivedOutputQos(Mosquitto mosquitto, String publisher) {
        AtomicInteger out = new AtomicInteger();
        Mqtt5AsyncClient watcher = ChatTraffic.watchOutputs(
                mosquitto.port(), "output-qos-watcher", ChatTraffic.Session.CLEAN, MqttQos.AT_LEAST_ONCE, j -> {
                    if (j.path("content").asText().equals("which qos")) {
                        out.incrementAndGet();
                    }
                });
        ChatTraffic.publishInputs(
                mosquitto.port(),
                "output-qos-pub",
                1,
                1,
                i -> "{\"client_id\":\"dev-qos\",\"username\":\"d\",\"message\":\"which qos\"}");
        await().atMost(Duration.ofSeconds(60)).until(() -> out.get() > 0);
        watcher.disconnect();
        String line = log(mosquitto)
                .lines()
                .filter(l -> l.contains("Received PUBLISH from " + publisher + " (")
                        && l.contains("'chatroom/messages/out'"))
                .findFirst()
                .orElseThrow();
        return line.substring(line.indexOf('(') + 1).split(", ")[1];
    }

    private static String log(Mosquitto mosquitto) {
        try {
            return Files.readString(mosquitto.log());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
