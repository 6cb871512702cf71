package dev.aichatroom.voice;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aichatroom.mqtt.Json;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 15: "anonymous devices cannot hold every session slot". In the default loopback mode everyone is an anonymous
 * local process; before, stock clients with any client ids took all {@code VOICE_MAX_SESSIONS} slots and the product's
 * own voice page got "too many voice sessions". Now the page logs its call in with a token from
 * {@code POST /api/mqtt/token} (which the embedded broker takes in every mode), and anonymous devices get at most
 * {@code VOICE_MAX_SESSIONS − VOICE_RESERVED_SESSIONS}.
 */
@Timeout(180)
class VoiceReservedSlotsIT {
    private static TestProduct product;

    @BeforeAll
    static void start() {
        // the default mode (loopback, anonymous, no accounts) with 3 slots, 1 of them kept
        product = TestProduct.start(
                Map.of("VOICE_MAX_SESSIONS", "3", "VOICE_RESERVED_SESSIONS", "1", "VOICE_ICE_TIMEOUT", "30"));
    }

    @AfterAll
    static void stop() {
        if (product != null) {
            product.close();
        }
    }

    private static String offer() {
        return new String(
                Json.bytes(Map.of("type", "sdp_offer", "data", Map.of("type", "offer", "sdp", OfferCheckTest.BROWSER))),
                StandardCharsets.UTF_8);
    }

    private static JsonNode reply(TestMqtt device, String id) {
        return device.await("$webrtc/" + id, r -> {
                    String type = r.json().path("type").asText();
                    return type.equals("sdp_answer") || type.equals("webrtc_terminated");
                })
                .json();
    }

    private static JsonNode token(String clientId) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + product.httpPort() + "/api/mqtt/token"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"client_id\":\"" + clientId + "\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            return Json.tree(response.body().getBytes(StandardCharsets.UTF_8)).orElseThrow();
        }
    }

    @Test
    void anonymous_devices_filling_every_slot_leave_one_for_the_products_voice_page() throws Exception {
        assertThat(product.get("/api/config").body())
                .as("the page is told to log its call in with a token")
                .contains("\"tokens_accepted\":true");
        List<TestMqtt> devices = new ArrayList<>();
        try {
            List<JsonNode> replies = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                String id = "squatter-" + i;
                TestMqtt d = TestMqtt.connect(product.mqttPort(), id).subscribe("$webrtc/" + id);
                devices.add(d);
                d.publish("$webrtc/" + id + "/multimedia_proxy", offer());
                replies.add(reply(d, id));
            }
            assertThat(replies.subList(0, 2))
                    .allSatisfy(r -> assertThat(r.path("type").asText()).isEqualTo("sdp_answer"));
            assertThat(replies.get(2).path("type").asText()).isEqualTo("webrtc_terminated");
            assertThat(replies.get(2).path("reason").asText()).contains("kept for the product's pages");

            // the voice page: voice_<identity>-<random>, logged in with the token the HTTP API gives it
            String page = "voice_k3j9x2m4-p7q8r9s0";
            JsonNode token = token(page);
            TestMqtt call = TestMqtt.connect(
                    product.mqttPort(),
                    page,
                    b -> b,
                    c -> c.simpleAuth()
                            .username(token.path("username").asText())
                            .password(token.path("password").asText().getBytes(StandardCharsets.UTF_8))
                            .applySimpleAuth());
            devices.add(call);
            call.subscribe("$webrtc/" + page);
            call.publish("$webrtc/" + page + "/multimedia_proxy", offer());
            assertThat(reply(call, page).path("type").asText())
                    .as("the page's call gets the slot anonymous devices cannot take")
                    .isEqualTo("sdp_answer");

            // and the slots are all taken now: even a page waits for one
            String other = "voice_a1b2c3d4-e5f6g7h8";
            JsonNode second = token(other);
            TestMqtt late = TestMqtt.connect(
                    product.mqttPort(),
                    other,
                    b -> b,
                    c -> c.simpleAuth()
                            .username(second.path("username").asText())
                            .password(second.path("password").asText().getBytes(StandardCharsets.UTF_8))
                            .applySimpleAuth());
            devices.add(late);
            late.subscribe("$webrtc/" + other);
            late.publish("$webrtc/" + other + "/multimedia_proxy", offer());
            assertThat(reply(late, other).path("reason").asText()).contains("too many voice sessions (3)");
        } finally {
            devices.forEach(TestMqtt::close);
        }
    }
}
