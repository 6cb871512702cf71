package dev.aichatroom.voice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aichatroom.mqtt.Json;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 15's voice attacks against the real product (libwebrtc, the embedded broker) with a stock MQTT client: forged
 * offers with hundreds of media sections, and a flood of valid offers from one device. Before decision 0012, twelve
 * offers of 480 unbundled sections opened 960 UDP sockets each and exhausted 20,000 descriptors, and 100 offers in 1 s
 * built 99 peer connections.
 */
@Timeout(120)
class VoiceOfferLimitsIT {
    private static final Logger LOG = LoggerFactory.getLogger(VoiceOfferLimitsIT.class);
    private static final Pattern STARTED = Pattern.compile("voice_sessions_started_total ([0-9.]+)");
    private static TestProduct product;

    @BeforeAll
    static void start() {
        product = TestProduct.start(Map.of("VOICE_ICE_TIMEOUT", "3", "CHAT_LANGUAGE", "en"));
    }

    @AfterAll
    static void stop() {
        if (product != null) {
            product.close();
        }
    }

    private static double sessionsStarted() {
        Matcher m = STARTED.matcher(product.get("/metrics").body());
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    private static String offer(String sdp) {
        return new String(Json.bytes(Map.of("type", "sdp_offer", "data", Map.of("type", "offer", "sdp", sdp))));
    }

    private static List<JsonNode> signals(TestMqtt device, String id, String type) {
        return device.on("$webrtc/" + id).stream()
                .map(TestMqtt.Received::json)
                .filter(j -> j.path("type").asText().equals(type))
                .toList();
    }

    @Test
    void twelve_offers_of_480_unbundled_sections_are_refused_without_a_peer_connection_or_a_socket() {
        Resources before = Resources.now();
        double started = sessionsStarted();
        String forged = OfferCheckTest.manyAudioSections(OfferCheckTest.BROWSER, 480, false);
        String compact = OfferCheckTest.manyAudioSections(OfferCheckTest.BROWSER, 20, false);
        List<TestMqtt> devices = new ArrayList<>();
        try {
            for (int i = 0; i < 12; i++) {
                String id = "forger-" + i;
                TestMqtt d = TestMqtt.connect(product.mqttPort(), id).subscribe("$webrtc/" + id, "$message/" + id);
                devices.add(d);
                d.publish("$webrtc/" + id + "/multimedia_proxy", offer(i % 2 == 0 ? forged : compact));
            }
            for (int i = 0; i < 12; i++) {
                JsonNode refused = devices.get(i)
                        .await(
                                "$webrtc/forger-" + i,
                                r -> r.json().path("type").asText().equals("webrtc_terminated"))
                        .json();
                assertThat(refused.path("reason").asText())
                        .matches(r -> r.contains("larger than")
                                || r.contains("longer than")
                                || r.contains("20 media sections"));
            }
            assertThat(sessionsStarted()).isEqualTo(started);
            Resources after = Resources.now();
            LOG.info(
                    "MEASURED forged offers: descriptors {} → {}, UDP sockets {} → {}",
                    before.fds(),
                    after.fds(),
                    before.udpSockets(),
                    after.udpSockets());
            assertThat(after.udpSockets()).isEqualTo(before.udpSockets());
            assertThat(after.fds()).isLessThan(before.fds() + 12 + 20); // the 12 MQTT connections and pools
        } finally {
            devices.forEach(TestMqtt::close);
        }
    }

    @Test
    void a_hundred_valid_offers_in_a_second_from_one_device_are_limited_and_chat_keeps_answering() {
        String id = "flooder";
        try (TestMqtt d = TestMqtt.connect(product.mqttPort(), id).subscribe("$webrtc/" + id, "$message/" + id);
                TestMqtt chatter =
                        TestMqtt.connect(product.mqttPort(), "chatter").subscribe("chatroom/messages/out")) {
            // one call first: what a session costs
            Resources idle = Resources.now();
            d.publish("$webrtc/" + id + "/multimedia_proxy", offer(OfferCheckTest.BROWSER));
            d.await("$webrtc/" + id, r -> r.json().path("type").asText().equals("sdp_answer"));
            // no speech model (downloads are off in tests): the page is told that commands only are understood
            assertThat(d.await(
                                    "$message/" + id,
                                    r -> r.json()
                                            .path("payload")
                                            .path("type")
                                            .asText()
                                            .equals("notice"))
                            .json()
                            .path("payload")
                            .path("text")
                            .asText())
                    .contains("not ready yet");
            assertThat(product.get("/health").body()).contains("ggml-base.bin").contains("stands in");
            await().atMost(Duration.ofSeconds(5)).until(() -> Resources.now().udpSockets() > idle.udpSockets());
            int perSession = Resources.now().udpSockets() - idle.udpSockets();
            d.publish("$webrtc/" + id + "/multimedia_proxy", "{\"type\":\"webrtc_terminated\"}");
            await().atMost(Duration.ofSeconds(10)).until(() -> Resources.now().udpSockets() == idle.udpSockets());
            d.clear();

            double started = sessionsStarted();
            long t0 = System.nanoTime();
            for (int i = 0; i < 100; i++) {
                d.client()
                        .toAsync()
                        .publishWith()
                        .topic("$webrtc/" + id + "/multimedia_proxy")
                        .qos(com.hivemq.client.mqtt.datatypes.MqttQos.AT_LEAST_ONCE)
                        .payload(offer(OfferCheckTest.BROWSER).getBytes())
                        .send();
            }
            long sentMillis = (System.nanoTime() - t0) / 1_000_000;
            chatter.publish(
                    "chatroom/messages/in",
                    "{\"client_id\":\"chatter\",\"username\":\"chatter\",\"message\":\"still here\"}");
            chatter.await(
                    "chatroom/messages/out",
                    r -> r.json().path("content").asText().equals("still here"));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> signals(d, id, "webrtc_terminated").stream()
                                    .filter(j -> j.path("reason").asText().startsWith("too many offers"))
                                    .count()
                            >= 100 - VoiceConfig.Limits.OFFER_BURST);
            double opened = sessionsStarted() - started;
            int peak = Resources.now().udpSockets() - idle.udpSockets();
            LOG.info(
                    "MEASURED 100 offers in {} ms from one device: {} sessions opened, {} refused; UDP sockets per"
                            + " session {}, held after the flood {}",
                    sentMillis,
                    opened,
                    signals(d, id, "webrtc_terminated").size(),
                    perSession,
                    peak);
            assertThat(opened).isLessThanOrEqualTo(VoiceConfig.Limits.OFFER_BURST);
            assertThat(perSession).isBetween(1, 4); // one transport: a socket per interface and address family
            // each new offer replaced the device's last session; at most a burst of them were alive at once
            assertThat(peak).isLessThanOrEqualTo(perSession * VoiceConfig.Limits.OFFER_BURST);
        }
    }
}
