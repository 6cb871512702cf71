package dev.aichatroom.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Another client's private error replies and everyone's raw inputs cannot be read under any wildcard, while the
 * public topics the page and devices subscribe to still can (default mode: anonymous clients on loopback).
 */
@Timeout(90)
class PrivateTopicsIT {
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
    void no_filter_that_reaches_private_topics_is_granted() {
        try (TestMqtt snoop = TestMqtt.connect(product.mqttPort(), "snoop")) {
            for (String filter : List.of(
                    "chatroom/#",
                    "chatroom/+/+/errors",
                    "chatroom/clients/#",
                    "chatroom/clients/victim/errors",
                    "chatroom/messages/in",
                    "chatroom/+/messages/in",
                    "chatroom/users/join",
                    "chatroom/+/users/+",
                    "chatroom/messages/in/#",
                    "$share/g/chatroom/#",
                    "+/clients/#")) {
                snoop.assertSubscribeRefused(filter);
            }
            snoop.subscribe(
                    "chatroom/messages/out",
                    "chatroom/+/messages/out",
                    "chatroom/messages/stream",
                    "chatroom/users/online",
                    "chatroom/+/system",
                    "chatroom/clients/snoop/errors");
        }
    }

    @Test
    void a_stock_subscriber_sees_no_private_error_or_raw_input() throws Exception {
        Path out = Files.createTempFile("stock-snoop", ".txt");
        Process sub = new ProcessBuilder(List.of(
                        "mosquitto_sub",
                        "-h",
                        "127.0.0.1",
                        "-p",
                        Integer.toString(product.mqttPort()),
                        "-V",
                        "5",
                        "-i",
                        "stock-snoop",
                        "-v",
                        "-t",
                        "chatroom/+/+/errors",
                        "-t",
                        "chatroom/#",
                        "-t",
                        "chatroom/messages/out"))
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
        try (TestMqtt victim =
                TestMqtt.connect(product.mqttPort(), "victim").subscribe("chatroom/clients/victim/errors")) {
            // until the stock subscriber is surely subscribed
            await().atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(300))
                    .until(() -> {
                        victim.publish("chatroom/messages/in", message("ping"));
                        return Files.readString(out).contains("ping");
                    });
            assertThat(victim.tryPublish("chatroom/messages/in", message(""))).isPresent();
            victim.await("chatroom/clients/victim/errors", r -> !r.text().isEmpty());
            victim.publish("chatroom/messages/in", message("after the error"));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> Files.readString(out).contains("after the error"));
        } finally {
            sub.destroy();
        }
        assertThat(Files.readString(out))
                .doesNotContain("chatroom/messages/in")
                .doesNotContain("chatroom/clients/victim/errors");
    }

    private static String message(String text) {
        return "{\"client_id\":\"victim\",\"username\":\"V\",\"message\":\"" + text + "\"}";
    }
}
