package dev.aichatroom.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import dev.aichatroom.mqtt.Json;
import dev.aichatroom.testing.Processes;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * With accounts: an account uses only the client ids it owns (accounts file rules), and tokens are issued only for
 * the ids the product's pages make, never for an account's or the service's.
 */
@Timeout(90)
class ClientIdOwnershipIT {
    private static TestProduct product;

    @BeforeAll
    static void start() throws Exception {
        Path accounts = Files.createTempFile("accounts", ".txt");
        Files.writeString(
                accounts, "alice:alice-pw\ndevice1:device1-pw\nkitchen:kitchen-pw\nclientids kitchen speaker-*\n");
        product = TestProduct.start(Map.of("MQTT_ALLOW_ANONYMOUS", "false", "MQTT_ACCOUNTS_FILE", accounts.toString()));
    }

    @AfterAll
    static void stop() {
        product.close();
    }

    private static TestMqtt login(String clientId, String user, String password) {
        return TestMqtt.login(product.mqttPort(), clientId, user, password);
    }

    @Test
    void an_account_cannot_take_over_or_speak_as_another_accounts_client_id() {
        try (TestMqtt alice = login("alice", "alice", "alice-pw").subscribe("chatroom/messages/out")) {
            assertThatThrownBy(() -> login("alice", "device1", "device1-pw").close())
                    .isInstanceOf(Mqtt5ConnAckException.class);
            // a stock client with device1's credentials, again and again
            for (int i = 0; i < 5; i++) {
                assertThatThrownBy(() -> Processes.mosquittoPub(
                                product.mqttPort(),
                                "chatroom/messages/in",
                                "{\"client_id\":\"alice\",\"username\":\"alice\",\"message\":\"I quit\"}",
                                "-i",
                                "alice",
                                "-u",
                                "device1",
                                "-P",
                                "device1-pw"))
                        .isInstanceOf(AssertionError.class);
            }
            assertThat(alice.client().getState().isConnected()).isTrue();
            alice.publish(
                    "chatroom/messages/in", "{\"client_id\":\"alice\",\"username\":\"alice\",\"message\":\"hi\"}");
            alice.await("chatroom/messages/out", r -> r.text().contains("\"hi\""));
            assertThat(alice.on("chatroom/messages/out"))
                    .noneMatch(r -> r.text().contains("I quit"));
        }
        login("device1-kitchen", "device1", "device1-pw").close();
        login("speaker-1", "kitchen", "kitchen-pw").close();
        assertThatThrownBy(() -> login("kitchen", "kitchen", "kitchen-pw").close())
                .as("its own patterns replace the defaults")
                .isInstanceOf(Mqtt5ConnAckException.class);
    }

    @Test
    void tokens_are_only_for_the_ids_the_pages_make() throws Exception {
        for (String id : List.of(
                "alice",
                "alice-phone",
                "speaker-3",
                "ai-chatroom-service",
                "ai-chatroom-service-mcp-main",
                "some-device",
                "web_x")) {
            HttpResponse<String> refused = postToken(id);
            assertThat(refused.statusCode()).as(id).isEqualTo(403);
        }
        for (String id :
                List.of("web_abcdefgh12_k3j9x0", "voice_abcdefgh12-k3j9x0ab", "voicemcp_abcdefgh12-k3j9x0ab")) {
            HttpResponse<String> issued = postToken(id);
            assertThat(issued.statusCode()).as(id).isEqualTo(200);
            JsonNode token =
                    Json.tree(issued.body().getBytes(StandardCharsets.UTF_8)).orElseThrow();
            login(id, token.get("username").asText(), token.get("password").asText())
                    .close();
        }
    }

    private static HttpResponse<String> postToken(String clientId) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + product.httpPort() + "/api/mqtt/token"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"client_id\":\"" + clientId + "\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        }
    }
}
