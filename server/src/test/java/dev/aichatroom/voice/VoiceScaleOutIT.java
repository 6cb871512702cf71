package dev.aichatroom.voice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aichatroom.testing.Mosquitto;
import dev.aichatroom.testing.Processes;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Voice on every instance of a scale-out (docs/deployment.md): two instances of the product share Debian's Mosquitto,
 * both with voice on; exactly one answers each call, the other takes over when it stops, and an instance that
 * crashes (a python3-paho client announcing itself, then killed) hands over through its will; a restarted instance
 * stands by, and after a broker restart, with every announcement gone, one instance answers again. Where the broker
 * refuses the presence topic, the instance answers every call, as a lone instance would.
 */
@Timeout(120)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VoiceScaleOutIT {
    private static Mosquitto mosquitto;
    private static TestProduct a;
    private static TestProduct b;
    private static TestMqtt device;
    private static final String DEVICE =
            "voice_scale-" + UUID.randomUUID().toString().substring(0, 6);

    @BeforeAll
    static void start() {
        mosquitto = Mosquitto.start(false);
        a = instance("voice-a");
        b = instance("voice-b");
        device = TestMqtt.connect(mosquitto.port(), DEVICE).subscribe("$webrtc/" + DEVICE);
    }

    private static TestProduct instance(String clientId) {
        return TestProduct.start(Map.of(
                "MQTT_BROKER",
                "127.0.0.1",
                "MQTT_PORT",
                Integer.toString(mosquitto.port()),
                "MQTT_CLIENT_ID",
                clientId,
                "MCP_ENABLE",
                "false"));
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {device, a, b, mosquitto}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // keep closing the rest
            }
        }
    }

    @Test
    @Order(1)
    void the_instance_there_first_answers_every_call_and_the_other_stands_by() {
        awaitVoice(a, "answers calls");
        awaitVoice(b, "stands by, voice-a answers calls");
        assertThat(a.get("/metrics").body()).contains("voice_answering 1.0");
        assertThat(b.get("/metrics").body()).contains("voice_answering 0.0");

        assertThat(answersTo(offer())).isEqualTo(1);
        assertThat(answersTo(offer())).isEqualTo(1);
    }

    @Test
    @Order(2)
    void when_it_stops_the_other_takes_the_next_call() {
        a.stop();
        awaitVoice(b, "answers calls");

        assertThat(answersTo(offer())).isEqualTo(1);
    }

    @Test
    @Order(3)
    void an_older_instance_that_crashes_hands_over_through_its_will() throws Exception {
        Path script = Files.createTempFile("fake_voice_instance", ".py");
        try (var in = VoiceScaleOutIT.class.getResourceAsStream("/voice/fake_voice_instance.py")) {
            Files.write(script, in.readAllBytes());
        }
        Process older = Processes.start(
                List.of("/usr/bin/python3", script.toString(), Integer.toString(mosquitto.port()), "voice-0", "1"));
        try {
            var out = new BufferedReader(new InputStreamReader(older.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("announced");
            awaitVoice(b, "stands by, voice-0 answers calls");
            assertThat(answersTo(offer())).as("the stand-in answers nothing").isZero();

            older.destroyForcibly().waitFor(); // SIGKILL: no DISCONNECT, the broker sends the will
            awaitVoice(b, "answers calls");
            assertThat(answersTo(offer())).isEqualTo(1);
        } finally {
            older.destroyForcibly();
            Files.deleteIfExists(script);
        }
    }

    @Test
    @Order(4)
    void a_new_instance_never_takes_over_and_after_a_broker_restart_still_one_answers() {
        a.restart();
        awaitVoice(a, "stands by, voice-b answers calls");
        assertThat(answersTo(offer())).isEqualTo(1);

        mosquitto.restart(); // no persistence: the announcements are gone, both instances announce themselves anew
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            String ha = a.get("/health").body();
            String hb = b.get("/health").body();
            return ha.contains("\"detail\":\"answers calls") != hb.contains("\"detail\":\"answers calls")
                    && (ha + hb).contains("stands by");
        });
        try {
            device.close(); // its connection went with the broker
        } catch (RuntimeException e) {
            // already disconnected
        }
        device = TestMqtt.connect(mosquitto.port(), DEVICE).subscribe("$webrtc/" + DEVICE);
        // the signalling subscription comes back with the instances' own reconnects, which back off independently
        // of their presence: like a device whose call went unanswered, call again until someone answers
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> {
                    offer();
                    Thread.sleep(1000);
                    return !device.on("$webrtc/" + DEVICE).isEmpty();
                });
        assertThat(answersTo(offer())).isEqualTo(1);
    }

    @Test
    @Order(5)
    void where_the_broker_refuses_the_presence_topic_the_instance_answers_every_call() {
        String id = DEVICE + "-acl";
        try (Mosquitto strict = Mosquitto.startWithAcl(
                        "topic readwrite chatroom/#\ntopic readwrite $webrtc/#\ntopic readwrite $message/#\n");
                TestProduct lone = TestProduct.start(Map.of(
                        "MQTT_BROKER", "127.0.0.1",
                        "MQTT_PORT", Integer.toString(strict.port()),
                        "MQTT_CLIENT_ID", "voice-lone",
                        "MCP_ENABLE", "false"));
                TestMqtt phone = TestMqtt.connect(strict.port(), id).subscribe("$webrtc/" + id)) {
            assertThat(lone.get("/health").body())
                    .contains("\"voice\":{\"status\":\"up\"")
                    .doesNotContain("stands by", "answers calls");
            assertThat(answersTo(phone, id, offer(phone, id))).isEqualTo(1);
        }
    }

    @Test
    @Order(6)
    void a_device_that_vanishes_ends_its_session_at_once_through_its_will() throws Exception {
        // an external broker tells the proxy of no disconnects: without a will, a typed-text session stays open
        com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient silent = phone(DEVICE + "-silent", false);
        chat(silent, DEVICE + "-silent");
        await().atMost(Duration.ofSeconds(10)).until(() -> sessions() == 1);
        vanish(silent);
        Thread.sleep(3000);
        assertThat(sessions()).isEqualTo(1);

        // with the voice page's will, the broker hands the proxy webrtc_terminated as the device goes
        com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient phone = phone(DEVICE + "-will", true);
        chat(phone, DEVICE + "-will");
        await().atMost(Duration.ofSeconds(10)).until(() -> sessions() == 2);
        long gone = System.nanoTime();
        vanish(phone);
        await().atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> sessions() == 1);
        LoggerFactory.getLogger(VoiceScaleOutIT.class)
                .info(
                        "MEASURED device vanished with a will → session ended {} ms (external broker)",
                        (System.nanoTime() - gone) / 1_000_000);
    }

    private static com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient phone(String id, boolean will) {
        var client = com.hivemq.client.mqtt.MqttClient.builder()
                .useMqttVersion5()
                .identifier(id)
                .serverHost("127.0.0.1")
                .serverPort(mosquitto.port())
                .buildBlocking();
        var connect = client.connectWith();
        if (will) {
            connect = connect.willPublish()
                    .topic("$webrtc/" + id + "/multimedia_proxy")
                    .qos(com.hivemq.client.mqtt.datatypes.MqttQos.AT_LEAST_ONCE)
                    .payload("{\"type\":\"webrtc_terminated\",\"reason\":\"the device went away\"}"
                            .getBytes(StandardCharsets.UTF_8))
                    .applyWillPublish();
        }
        connect.send();
        return client;
    }

    private static void chat(com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient client, String id) {
        client.publishWith()
                .topic("$webrtc/" + id + "/multimedia_proxy")
                .qos(com.hivemq.client.mqtt.datatypes.MqttQos.AT_LEAST_ONCE)
                .payload("{\"type\":\"chat\",\"data\":\"hello\"}".getBytes(StandardCharsets.UTF_8))
                .send();
    }

    /** Drops the connection with reason 0x04, so that the broker publishes the will, as for a vanished network. */
    private static void vanish(com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient client) {
        client.toAsync()
                .disconnectWith()
                .reasonCode(
                        com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode
                                .DISCONNECT_WITH_WILL_MESSAGE)
                .send()
                .join();
    }

    /** The voice sessions open on both instances. */
    private static int sessions() {
        int n = 0;
        for (TestProduct instance : new TestProduct[] {a, b}) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+) session\\(s\\)")
                    .matcher(instance.get("/health").body());
            if (m.find()) {
                n += Integer.parseInt(m.group(1));
            }
        }
        return n;
    }

    private static long offer() {
        return offer(device, DEVICE);
    }

    private static long answersTo(long sentAt) {
        return answersTo(device, DEVICE, sentAt);
    }

    /** Sends an offer without audio: an instance that takes the call answers {@code webrtc_terminated} at once. */
    private static long offer(TestMqtt from, String id) {
        from.clear();
        from.publish(
                "$webrtc/" + id + "/multimedia_proxy",
                "{\"type\":\"sdp_offer\",\"data\":{\"type\":\"offer\",\"sdp\":\"garbage\"}}");
        return System.nanoTime();
    }

    /** How many answers the offer got: waits 3 s for the first, then 1.5 s more for a second that must not come. */
    private static long answersTo(TestMqtt to, String id, long sentAt) {
        await().atMost(Duration.ofSeconds(3))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> !to.on("$webrtc/" + id).isEmpty()
                        || System.nanoTime() - sentAt > Duration.ofMillis(2500).toNanos());
        try {
            Thread.sleep(1500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<TestMqtt.Received> answers = to.on("$webrtc/" + id);
        assertThat(answers)
                .allMatch(r -> r.json().path("type").asText().equals("webrtc_terminated"))
                .allMatch(r -> r.json().path("reason").asText().contains("no audio"));
        return answers.size();
    }

    private static void awaitVoice(TestProduct instance, String role) {
        await().atMost(Duration.ofSeconds(15))
                .until(
                        () -> instance.get("/health").body(),
                        body -> body.contains("\"voice\":{\"status\":\"up\"") && body.contains("\"detail\":\"" + role));
    }
}
