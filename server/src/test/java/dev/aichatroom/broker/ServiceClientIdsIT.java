package dev.aichatroom.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import dev.aichatroom.mqtt.Json;
import dev.aichatroom.testing.Processes;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The default mode (embedded broker on loopback, anonymous clients, no accounts): the service's own client ids are
 * the service's alone, and any username and password is taken as anonymous (like Mosquitto's allow_anonymous).
 */
@Timeout(90)
class ServiceClientIdsIT {
    private static TestProduct product;

    @BeforeAll
    static void start() {
        product = TestProduct.start();
    }

    @AfterAll
    static void stop() {
        product.close();
    }

    @Test
    void a_stock_client_cannot_take_over_any_of_the_services_client_ids() {
        for (String id : List.of(
                "ai-chatroom-service",
                "ai-chatroom-service-members",
                "ai-chatroom-service-presence",
                "ai-chatroom-service-mcp-default",
                "ai-chatroom-service-mcp-discovery-x")) {
            assertThatThrownBy(() -> TestMqtt.connect(product.mqttPort(), id).close())
                    .as(id)
                    .isInstanceOfSatisfying(
                            Mqtt5ConnAckException.class,
                            e -> assertThat(e.getMqttMessage().getReasonCode())
                                    .isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD));
        }
        // the attack of issue 15: a stock client connecting again and again under the service's id
        for (int i = 0; i < 10; i++) {
            assertThatThrownBy(() -> Processes.mosquittoPub(
                            product.mqttPort(), "chatroom/messages/in", "{}", "-i", "ai-chatroom-service"))
                    .isInstanceOf(AssertionError.class);
        }
        assertThat(Json.tree(product.get("/health").body().getBytes(StandardCharsets.UTF_8))
                        .orElseThrow()
                        .path("checks")
                        .path("broker")
                        .path("status")
                        .asText())
                .isEqualTo("up");
        try (TestMqtt device = TestMqtt.connect(product.mqttPort(), "svc-check").subscribe("chatroom/messages/out")) {
            device.publish(
                    "chatroom/messages/in",
                    "{\"client_id\":\"svc-check\",\"username\":\"Checker\",\"message\":\"still here\"}");
            device.await("chatroom/messages/out", r -> r.text().contains("still here"));
        }
    }

    @Test
    void any_username_and_password_is_anonymous_when_no_accounts_are_configured() {
        // seed 2's demo page logs in as emqx-mcp-webrtc-web-ui / public
        try (TestMqtt seed = TestMqtt.login(product.mqttPort(), "seed-web-ui", "emqx-mcp-webrtc-web-ui", "public")) {
            seed.subscribe("chatroom/messages/out");
            assertThat(seed.tryPublish("chatroom/messages/out", "{}"))
                    .as("still an ordinary client")
                    .contains(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
        }
        Processes.mosquittoPub(
                product.mqttPort(), "t/seed", "hello", "-i", "seed-cli", "-u", "emqx-mcp-webrtc-web-ui", "-P", "x");
        assertThatThrownBy(() -> TestMqtt.login(product.mqttPort(), "svc-guess", "ai-chatroom-service", "guess")
                        .close())
                .as("the service's username with a wrong password is still refused")
                .isInstanceOf(Mqtt5ConnAckException.class);
    }
}
