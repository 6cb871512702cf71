package dev.aichatroom.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import dev.aichatroom.Application;
import dev.aichatroom.config.ConfigLoader;
import dev.aichatroom.config.Env;
import dev.aichatroom.testing.FreePorts;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The broker when it requires accounts: who gets in, and that a client cannot speak for another. */
@Timeout(60)
class AccountsIT {
    private static TestProduct product;

    @BeforeAll
    static void start() {
        product = TestProduct.start(
                Map.of("MQTT_ALLOW_ANONYMOUS", "false", "MQTT_USERNAME", "alice", "MQTT_PASSWORD", "s3cret-pw"));
    }

    @AfterAll
    static void stop() {
        product.close();
    }

    private static TestMqtt login(String clientId, String user, String password) {
        return TestMqtt.login(product.mqttPort(), clientId, user, password);
    }

    @Test
    void anonymous_and_wrong_passwords_are_refused() {
        assertThatThrownBy(() -> TestMqtt.connect(product.mqttPort(), "anon"))
                .isInstanceOf(Mqtt5ConnAckException.class);
        assertThatThrownBy(() -> login("wrong", "alice", "nope")).isInstanceOf(Mqtt5ConnAckException.class);
        assertThatThrownBy(() -> login("svc", "ai-chatroom-service", "guess"))
                .isInstanceOf(Mqtt5ConnAckException.class);
    }

    @Test
    void a_client_cannot_write_as_another_client_id() {
        try (TestMqtt alice = login("alice-phone", "alice", "s3cret-pw")
                .subscribe("chatroom/clients/alice-phone/errors", "chatroom/messages/out")) {
            assertThat(alice.tryPublish(
                            "chatroom/messages/in",
                            "{\"client_id\":\"bob\",\"username\":\"Bob\",\"message\":\"fake\"}"))
                    .contains(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
            TestMqtt.Received error = alice.await(
                    "chatroom/clients/alice-phone/errors",
                    r -> r.json().path("code").asText().equals("FORBIDDEN"));
            assertThat(error.json().path("message").asText()).contains("bob");

            assertThat(alice.tryPublish(
                            "chatroom/messages/in",
                            "{\"client_id\":\"alice-phone\",\"username\":\"Alice\",\"message\":\"real\"}"))
                    .isEmpty();
            alice.await(
                    "chatroom/messages/out",
                    r -> r.json().path("content").asText().equals("real"));
            assertThat(alice.on("chatroom/messages/out"))
                    .noneMatch(r -> r.text().contains("fake"));
        }
    }

    @Test
    void a_broker_on_a_public_address_without_accounts_refuses_to_start() throws Exception {
        var config = ConfigLoader.load(Env.of(Map.of(
                "MQTT_BIND", "0.0.0.0",
                "MQTT_PORT", Integer.toString(FreePorts.next()),
                "MQTT_WS_PORT", Integer.toString(FreePorts.next()),
                "PORT", Integer.toString(FreePorts.next()),
                "AI_PROVIDER", "none",
                "DATA_DIR", Files.createTempDirectory("public-bind").toString())));
        assertThatThrownBy(() -> new Application(config).start())
                .isInstanceOf(BrokerException.class)
                .hasMessageContaining("MQTT_USERNAME");
    }
}
