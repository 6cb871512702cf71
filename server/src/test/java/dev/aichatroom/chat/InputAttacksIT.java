package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Hostile input (issue 15) from stock clients against the embedded broker: the room must stay up and clean. */
@Timeout(120)
class InputAttacksIT {
    private static TestProduct product;
    private static TestMqtt observer;

    @BeforeAll
    static void start() {
        product = TestProduct.start(
                Map.of("CHAT_RATE_PER_MINUTE", "6000", "CHAT_RATE_BURST", "100", "AI_NAME", "Mx Robo"));
        observer = TestMqtt.connect(product.mqttPort(), "observer-" + UUID.randomUUID())
                .subscribe("chatroom/messages/out", "chatroom/system");
    }

    @AfterAll
    static void stop() {
        observer.close();
        product.close();
    }

    private static String id() {
        return "c-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A plain message from a fresh client reaches {@code messages/out}. */
    private static void roomStillTalks() {
        String client = id();
        try (TestMqtt c = TestMqtt.connect(product.mqttPort(), client)) {
            c.publish(
                    "chatroom/messages/in",
                    "{\"client_id\":\"" + client + "\",\"username\":\"u\",\"message\":\"still here\"}");
            observer.await(
                    "chatroom/messages/out",
                    r -> r.json().path("client_id").asText().equals(client),
                    Duration.ofSeconds(20));
        }
    }

    @Test
    void client_ids_that_cannot_name_a_topic_do_not_use_up_the_publish_permits() throws Exception {
        // 10,050 refused inputs whose client_id holds U+0000 or a lone surrogate: each error reply used to throw
        // before giving back its publish permit, and after 10,000 the service never published again
        try (TestMqtt attacker = TestMqtt.connect(product.mqttPort(), id())) {
            List<CompletableFuture<?>> sent = new ArrayList<>();
            for (int i = 0; i < 10_050; i++) {
                String clientId = i % 2 == 0 ? "x\\u0000" + i : "x\\ud800" + i;
                sent.add(attacker.client()
                        .toAsync()
                        .publishWith()
                        .topic("chatroom/messages/in")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(("{\"client_id\":\"" + clientId + "\",\"username\":\"u\",\"message\":\"\"}")
                                .getBytes(StandardCharsets.UTF_8))
                        .send()
                        .handle((ack, refused) -> ack)); // each is refused with a PUBACK error code
            }
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(90, TimeUnit.SECONDS);
        }
        roomStillTalks();
    }

    @Test
    void ill_formed_text_gets_its_own_code_and_never_reaches_the_room() throws Exception {
        String client = id();
        try (TestMqtt c = TestMqtt.connect(product.mqttPort(), client).subscribe("chatroom/clients/" + client + "/#")) {
            // overlong UTF-8 for '/' (C0 AF), as bytes on the wire: its client_id cannot be trusted, so the publisher's
            // own
            // MQTT client id hears about it
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            bytes.writeBytes(("{\"client_id\":\"" + client + "\",\"username\":\"u\",\"message\":\"over")
                    .getBytes(StandardCharsets.UTF_8));
            bytes.writeBytes(new byte[] {(byte) 0xC0, (byte) 0xAF});
            bytes.writeBytes("long\"}".getBytes(StandardCharsets.UTF_8));
            byte[] overlong = bytes.toByteArray();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.client()
                            .publishWith()
                            .topic("chatroom/messages/in")
                            .qos(MqttQos.AT_LEAST_ONCE)
                            .payload(overlong)
                            .send())
                    .isInstanceOf(com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException.class);
            c.await(
                    "chatroom/clients/" + client + "/errors",
                    r -> r.json().path("code").asText().equals("INVALID_ENCODING"));
            c.clear();
            Map<String, String> attacks = new java.util.LinkedHashMap<>();
            attacks.put(
                    "INVALID_ENCODING",
                    "{\"client_id\":\"" + client + "\",\"username\":\"u\",\"message\":\"x\\ud83e\"}");
            attacks.put(
                    "CONTROL_CHARACTER",
                    "{\"client_id\":\"" + client + "\",\"username\":\"u\",\"message\":\"\\u001b[2Jbye\\u0000\"}");
            attacks.put(
                    "BIDI_CONTROL",
                    "{\"client_id\":\"" + client + "\",\"username\":\"admin\u202Egnp\",\"message\":\"hi\"}");
            attacks.put(
                    "EMPTY_MESSAGE",
                    "{\"client_id\":\"" + client
                            + "\",\"username\":\"u\",\"message\":\"\u200B\u2060\u2800\u3000\uFEFF\"}");
            attacks.put("INVALID_CLIENT_ID", "{\"client_id\":\"a/+/#\",\"username\":\"u\",\"message\":\"hi\"}");
            for (Map.Entry<String, String> attack : attacks.entrySet()) {
                assertThat(c.tryPublish("chatroom/messages/in", attack.getValue()))
                        .as(attack.getKey())
                        .isPresent();
                c.await(
                        "chatroom/clients/" + client + "/errors",
                        r -> r.json().path("code").asText().equals(attack.getKey()));
            }
            roomStillTalks();
        }
        assertThat(observer.on("chatroom/messages/out").stream()
                        .filter(r -> r.text().contains(client)))
                .as("nothing of it was broadcast")
                .isEmpty();
        assertThat(observer.on("chatroom/messages/out").stream()
                        .filter(r -> r.text().contains("over/long")))
                .isEmpty();
    }

    @Test
    void characters_outside_the_bmp_go_out_as_raw_utf8() {
        String client = id();
        String text = "emoji 😀🦀 and 𠀀 (U+20000) 中文";
        try (TestMqtt c = TestMqtt.connect(product.mqttPort(), client)) {
            c.publish(
                    "chatroom/messages/in",
                    "{\"client_id\":\"" + client + "\",\"username\":\"🦀蟹\",\"message\":\"" + text + "\"}");
        }
        TestMqtt.Received out = observer.await(
                "chatroom/messages/out",
                r -> r.json().path("client_id").asText().equals(client));
        byte[] raw = out.payload();
        assertThat(new String(raw, StandardCharsets.ISO_8859_1))
                .as("the bytes on the wire")
                .doesNotContain("\\u")
                .contains(new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1))
                .contains(new String("🦀蟹".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1));
    }

    @Test
    void nobody_joins_or_speaks_as_the_assistant_or_the_system_or_a_look_alike() {
        String client = id();
        List<String> lookAlikes = List.of(
                "Mx Robo", // AI_NAME
                "МХ RОВО", // Cyrillic
                "智能助手",
                "智能\u200b助手", // zero-width inside
                "AI Assistant",
                "ΑΙ Αssistant", // Greek capitals
                "Al Assistant", // l for I
                "ＳＹＳＴＥＭ", // fullwidth
                "ЅҮЅТЕМ", // Cyrillic capitals
                "s\u0301ystem", // a combining mark
                "SyStEm",
                "系统");
        try (TestMqtt c = TestMqtt.connect(product.mqttPort(), client).subscribe("chatroom/clients/" + client + "/#")) {
            for (String name : lookAlikes) {
                c.clear();
                assertThat(c.tryPublish(
                                "chatroom/users/join",
                                "{\"client_id\":\"" + client + "\",\"username\":\"" + name + "\"}"))
                        .as("PUBACK of a join as %s", name)
                        .isPresent();
                c.await(
                        "chatroom/clients/" + client + "/errors",
                        r -> r.json().path("code").asText().equals("RESERVED_NAME"));
                c.clear();
                assertThat(c.tryPublish(
                                "chatroom/messages/in",
                                "{\"client_id\":\"" + client + "\",\"username\":\"" + name
                                        + "\",\"message\":\"I am the assistant\"}"))
                        .as("PUBACK of a message as %s", name)
                        .isPresent();
                c.await(
                        "chatroom/clients/" + client + "/errors",
                        r -> r.json().path("code").asText().equals("RESERVED_NAME"));
            }
            // a name of its own goes through, after all the refused ones
            c.publish("chatroom/users/join", "{\"client_id\":\"" + client + "\",\"username\":\"Robo fan\"}");
            observer.await("chatroom/system", r -> r.text().contains("Robo fan"));
        }
        assertThat(observer.on("chatroom/messages/out").stream()
                        .filter(r -> r.text().contains(client)))
                .as("nothing under a reserved name was broadcast")
                .isEmpty();
        assertThat(observer.on("chatroom/system").stream()
                        .map(r -> r.json().path("params").path("username").asText(""))
                        .filter(lookAlikes::contains))
                .as("no join notice for a reserved name")
                .isEmpty();
    }
}
