package dev.aichatroom.voice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import dev.aichatroom.mqtt.Json;
import dev.aichatroom.testing.Requirements;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The product's jar on a machine without libpulse0: the library is hidden in a private mount namespace ({@code
 * unshare -m}, a bind mount of /dev/null over it). The product must start, say once what to install, show voice
 * disabled on {@code /health}, answer an offer with the reason, and keep the chat working.
 */
@Timeout(120)
class VoiceWithoutLibpulseIT {
    private static final Path LIBPULSE = Path.of("/usr/lib/x86_64-linux-gnu/libpulse.so.0");
    private static final Path JAR = Path.of("target/ai-chatroom.jar");

    @Test
    void the_product_starts_without_libpulse0_and_says_what_to_install() throws Exception {
        Requirements.assume(
                NetNs.available() && Files.exists(LIBPULSE) && Files.exists(JAR), "needs root, libpulse0, the jar");
        Path dir = Files.createTempDirectory("voice-no-pulse");
        int http = freePort();
        int mqtt = freePort();
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder(
                        "unshare",
                        "-m",
                        "sh",
                        "-c",
                        "mount --bind /dev/null " + LIBPULSE + " && exec " + java + " -jar " + JAR.toAbsolutePath())
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("out.log").toFile());
        pb.environment().put("DATA_DIR", dir.resolve("data").toString());
        pb.environment().put("PORT", String.valueOf(http));
        pb.environment().put("MQTT_PORT", String.valueOf(mqtt));
        pb.environment().put("MQTT_WS_PORT", String.valueOf(freePort()));
        pb.environment().put("AI_PROVIDER", "none");
        Process product = pb.start();
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/health"))
                    .build();
            // voice loads after the chat is up (/health 200 with voice "loading"): wait until it has tried
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
                HttpResponse<String> r = client.send(health, HttpResponse.BodyHandlers.ofString());
                return r.statusCode() == 200 && !r.body().contains("loading the speech engines");
            });
            JsonNode checks = Json.tree(client.send(health, HttpResponse.BodyHandlers.ofByteArray())
                            .body())
                    .orElseThrow()
                    .path("checks");
            assertThat(checks.path("voice").path("status").asText()).isEqualTo("disabled");
            assertThat(checks.path("voice").path("detail").asText())
                    .isEqualTo("the WebRTC native library needs libpulse0: apt-get install libpulse0");
            assertThat(checks.path("broker").path("status").asText()).isEqualTo("up");

            Mqtt5BlockingClient device = MqttClient.builder()
                    .useMqttVersion5()
                    .identifier("no-pulse-device")
                    .serverHost("127.0.0.1")
                    .serverPort(mqtt)
                    .buildBlocking();
            List<JsonNode> got = new CopyOnWriteArrayList<>();
            device.toAsync()
                    .publishes(
                            MqttGlobalPublishFilter.ALL,
                            p -> got.add(Json.tree(p.getPayloadAsBytes()).orElseThrow()));
            device.connect();
            device.subscribeWith()
                    .topicFilter("$webrtc/no-pulse-device")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();
            device.subscribeWith()
                    .topicFilter("chatroom/messages/out")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();
            device.publishWith()
                    .topic("$webrtc/no-pulse-device/multimedia_proxy")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload("{\"type\":\"sdp_offer\",\"data\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\nm=audio 9 x\"}}"
                            .getBytes())
                    .send();
            device.publishWith()
                    .topic("chatroom/messages/in")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload("{\"client_id\":\"no-pulse-device\",\"username\":\"d\",\"message\":\"still here\"}"
                            .getBytes())
                    .send();
            await().atMost(Duration.ofSeconds(10)).until(() -> got.size() >= 2);
            assertThat(got)
                    .anyMatch(j -> j.path("type").asText().equals("webrtc_terminated")
                            && j.path("reason")
                                    .asText()
                                    .equals("voice is unavailable: the WebRTC native library needs"
                                            + " libpulse0: apt-get install libpulse0"));
            assertThat(got).anyMatch(j -> j.path("content").asText().equals("still here"));
            device.disconnect();
            assertThat(Files.readAllLines(dir.resolve("out.log")).stream().filter(l -> l.contains("libpulse0")))
                    .hasSize(1);
        } finally {
            product.destroy();
            if (!product.waitFor(15, TimeUnit.SECONDS)) {
                product.destroyForcibly();
            }
            VoiceCallIT.deleteTree(dir);
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
