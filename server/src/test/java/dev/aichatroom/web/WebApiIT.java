package dev.aichatroom.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import dev.aichatroom.Application;
import dev.aichatroom.config.ConfigLoader;
import dev.aichatroom.config.Env;
import dev.aichatroom.mqtt.Json;
import java.io.IOException;
import java.net.CookieManager;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** The page's HTTP API against the real product with a broker that requires accounts. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebApiIT {
    /** A burst of 5 requests per IP; since the restart in order 5 the tests before the rate-limit test make 2. */
    private static final int TOKENS_PER_MINUTE = 30;

    @TempDir
    static Path dataDir;

    private static Application app;
    private static int mqttPort;
    private static int wsPort;
    /** One browser: it keeps the cookies the API sets. */
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .cookieHandler(new CookieManager())
            .build();

    @BeforeAll
    static void start() throws IOException {
        mqttPort = freePort();
        wsPort = freePort();
        app = product();
        app.start();
    }

    private static Application product() {
        return new Application(ConfigLoader.load(Env.of(Map.of(
                "DATA_DIR",
                dataDir.toString(),
                "MQTT_BIND",
                "0.0.0.0",
                "MQTT_PORT",
                String.valueOf(mqttPort),
                "MQTT_WS_PORT",
                String.valueOf(wsPort),
                "MQTT_USERNAME",
                "device",
                "MQTT_PASSWORD",
                "device-password",
                "MQTT_TOKEN_RATE_PER_MINUTE",
                String.valueOf(TOKENS_PER_MINUTE),
                "VOICE_ICE_SERVERS",
                "[{\"urls\":[\"turn:127.0.0.1:3478\"],\"username\":\"u\",\"credential\":\"c\"}]",
                "PORT",
                "0"))));
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
    }

    @Test
    @Order(1)
    void configTellsThePageWhereMqttIsAndThatItNeedsAToken() throws Exception {
        HttpResponse<String> response = get("/api/config");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode config = json(response);
        assertThat(config.get("mqtt_ws_url").asText()).isEqualTo("ws://127.0.0.1:" + wsPort + "/mqtt");
        assertThat(config.get("auth_required").asBoolean()).isTrue();
        assertThat(config.get("tokens_accepted").asBoolean()).isTrue();
        assertThat(config.get("default_room").asText()).isEqualTo("main");
        assertThat(config.get("assistant_name").asText()).isEqualTo("智能助手");
        assertThat(config.get("assistant_enabled").asBoolean()).isTrue();
        assertThat(config.get("member_idle_seconds").asLong()).isEqualTo(3600);
        assertThat(config.get("ice_servers").toString())
                .as("the voice page's peer gets the STUN/TURN servers the server's peer uses")
                .isEqualTo("[{\"urls\":[\"turn:127.0.0.1:3478\"],\"username\":\"u\",\"credential\":\"c\"}]");
    }

    @Test
    @Order(2)
    void aTokenLetsItsClientInOnlyAndMessagesAreStoredOncePerMessageId() throws Exception {
        String clientId = "web_" + UUID.randomUUID().toString().substring(0, 8) + "_k3j9x0";
        JsonNode token = json(postToken("{\"client_id\":\"" + clientId + "\"}"));
        assertThat(token.get("username").asText()).isEqualTo(MqttTokens.USERNAME);
        assertThat(token.get("client_id").asText()).isEqualTo(clientId);
        assertThat(token.get("expires_at").asText()).isNotBlank();

        assertThatThrownBy(() -> connect("web_someone_else", token)).isInstanceOf(Mqtt5ConnAckException.class);
        assertThatThrownBy(() -> Mqtt5Client.builder()
                        .identifier(clientId)
                        .serverHost("127.0.0.1")
                        .serverPort(mqttPort)
                        .buildBlocking()
                        .connect())
                .isInstanceOf(Mqtt5ConnAckException.class);

        Mqtt5BlockingClient client = connect(clientId, token);
        try (Mqtt5BlockingClient.Mqtt5Publishes out =
                client.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            client.subscribeWith()
                    .topicFilter("chatroom/messages/out")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();
            String messageId = UUID.randomUUID().toString();
            byte[] input = ("{\"client_id\":\"" + clientId + "\",\"username\":\"Ann\",\"message\":\"once\","
                            + "\"source\":\"web\",\"message_id\":\"" + messageId + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < 2; i++) {
                client.publishWith()
                        .topic("chatroom/messages/in")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(input)
                        .send();
            }
            JsonNode published = Json.tree(
                            out.receive(10, TimeUnit.SECONDS).orElseThrow().getPayloadAsBytes())
                    .orElseThrow();
            assertThat(published.get("content").asText()).isEqualTo("once");
            assertThat(published.get("source").asText()).isEqualTo("web");
            assertThat(out.receive(1, TimeUnit.SECONDS)).isEmpty();
        } finally {
            client.disconnect();
        }
        JsonNode history = json(get("/api/rooms/main/messages?limit=50"));
        assertThat(history.get("messages").findValuesAsText("content")).containsExactly("once");
    }

    @Test
    @Order(3)
    void refusesClientIdsThatAreNoMqttClientIds() throws Exception {
        assertThat(postToken("{\"client_id\":\"a/b\"}").statusCode()).isEqualTo(400);
        assertThat(postToken("{}").statusCode()).isEqualTo(400);
        assertThat(postToken("not json").statusCode()).isEqualTo(400);
    }

    @Test
    @Order(4)
    void aClientIdBelongsToTheBrowserThatFirstAskedForIt() throws Exception {
        String body = "{\"client_id\":\"voice_" + UUID.randomUUID().toString().substring(0, 8) + "-k3j9x\"}";
        try (HttpClient alice = browser();
                HttpClient mallory = browser()) {
            HttpResponse<String> first = postToken(alice, body);
            assertThat(first.statusCode()).isEqualTo(200);
            assertThat(first.headers().allValues("Set-Cookie"))
                    .singleElement()
                    .asString()
                    .startsWith("aichatroom_owner=")
                    .containsIgnoringCase("HttpOnly")
                    .containsIgnoringCase("SameSite=Strict")
                    .contains("Path=/api/mqtt");
            assertThat(postToken(alice, body).statusCode())
                    .as("its browser renews")
                    .isEqualTo(200);

            HttpResponse<String> taken = postToken(mallory, body);
            assertThat(taken.statusCode()).isEqualTo(409);
            assertThat(json(taken).at("/error/code").asText()).isEqualTo("CLIENT_ID_TAKEN");
        }
    }

    @Test
    @Order(5)
    void aClientIdStaysItsBrowsersAcrossARestart() throws Exception {
        String body = "{\"client_id\":\"web_" + UUID.randomUUID().toString().substring(0, 8) + "_k3j9x0\"}";
        try (HttpClient alice = browser();
                HttpClient mallory = browser()) {
            assertThat(postToken(alice, body).statusCode()).isEqualTo(200);
            app.close();
            app = product();
            app.start();

            // mallory asks first while alice's page reconnects
            HttpResponse<String> taken = postToken(mallory, body);
            assertThat(taken.statusCode()).isEqualTo(409);
            assertThat(json(taken).at("/error/code").asText()).isEqualTo("CLIENT_ID_TAKEN");
            assertThat(postToken(alice, body).statusCode()).isEqualTo(200);
        }
    }

    /** A browser of its own: it keeps the cookies the API sets. */
    private static HttpClient browser() {
        return HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
    }

    @Test
    @Order(6)
    void limitsTokensPerAddress() throws Exception {
        int refused = 0;
        for (int i = 0; i < 20 && refused == 0; i++) {
            HttpResponse<String> response = postToken("{\"client_id\":\"web_limitlimit_k3j9x0\"}");
            if (response.statusCode() == 429) {
                refused++;
                assertThat(json(response).at("/error/code").asText()).isEqualTo("RATE_LIMITED");
                assertThat(response.headers().firstValue("Retry-After")).isPresent();
            }
        }
        assertThat(refused).isEqualTo(1);
    }

    private static Mqtt5BlockingClient connect(String clientId, JsonNode token) {
        Mqtt5BlockingClient client = Mqtt5Client.builder()
                .identifier(clientId)
                .serverHost("127.0.0.1")
                .serverPort(mqttPort)
                .buildBlocking();
        client.connectWith()
                .simpleAuth()
                .username(token.get("username").asText())
                .password(token.get("password").asText().getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .send();
        return client;
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> postToken(String body) throws Exception {
        return postToken(HTTP, body);
    }

    private static HttpResponse<String> postToken(HttpClient browser, String body) throws Exception {
        return browser.send(
                HttpRequest.newBuilder(uri("/api/mqtt/token"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + app.httpPort() + path);
    }

    private static JsonNode json(HttpResponse<String> response) {
        return Json.tree(response.body().getBytes(StandardCharsets.UTF_8)).orElseThrow();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
