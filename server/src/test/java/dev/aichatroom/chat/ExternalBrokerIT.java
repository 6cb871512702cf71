package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aichatroom.testing.Mosquitto;
import dev.aichatroom.testing.Processes;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/** The product against Debian's Mosquitto instead of the embedded broker. */
@Timeout(90)
@TestMethodOrder(MethodOrderer.MethodName.class) // the broker restart comes last
class ExternalBrokerIT {
    private static Mosquitto mosquitto;
    private static TestProduct product;
    private static TestMqtt observer;

    @BeforeAll
    static void start() {
        mosquitto = Mosquitto.start(true);
        product = TestProduct.start(Map.of(
                "MQTT_BROKER",
                "127.0.0.1",
                "MQTT_PORT",
                Integer.toString(mosquitto.port()),
                "MQTT_CLIENT_ID",
                "chat-service-it"));
        observer = TestMqtt.connect(mosquitto.port(), "ext-observer")
                .subscribe("chatroom/messages/out", "chatroom/system", "chatroom/users/online");
    }

    @AfterAll
    static void stop() {
        observer.close();
        product.close();
        mosquitto.close();
    }

    private static void pub(String topic, String payload) {
        Processes.mosquittoPub(mosquitto.port(), topic, payload);
    }

    @Test
    void the_seed_example_works_on_mosquitto() {
        pub("chatroom/messages/in", "{\"client_id\":\"test\",\"username\":\"测试\",\"message\":\"hello\"}");
        TestMqtt.Received out =
                observer.await("chatroom/messages/out", r -> r.text().contains("hello"));
        assertThat(out.json().path("type").asText()).isEqualTo("user_message");
        assertThat(out.json().path("username").asText()).isEqualTo("测试");
        assertThat(product.get("/mqtt/status").body())
                .contains("\"is_connected\":true")
                .contains("\"broker_info\":\"127.0.0.1:" + mosquitto.port() + "\"");
    }

    @Test
    void presence_and_the_will_based_leave_work_on_mosquitto() {
        // a device with the will the README shows (leave with its client_id), connected until it dies
        Process device = Processes.start(List.of(
                "mosquitto_sub",
                "-h",
                "127.0.0.1",
                "-p",
                Integer.toString(mosquitto.port()),
                "-i",
                "ext-dev",
                "-t",
                "chatroom/messages/out",
                "--will-topic",
                "chatroom/users/leave",
                "--will-payload",
                "{\"client_id\":\"ext-dev\"}"));
        try {
            pub("chatroom/users/join", "{\"client_id\":\"ext-dev\",\"username\":\"外部设备\"}");
            observer.await("chatroom/users/online", r -> r.text().contains("ext-dev"));
            assertThat(observer.on("chatroom/system")).noneMatch(r -> r.text().contains("外部设备 离开了聊天室"));
        } finally {
            device.destroyForcibly(); // no DISCONNECT: the broker publishes the will
        }
        observer.await("chatroom/system", r -> r.text().contains("外部设备 离开了聊天室"));
        observer.await("chatroom/users/online", r -> !r.text().contains("ext-dev"));
    }

    @Test
    void members_stay_members_when_the_service_alone_restarts() {
        pub("chatroom/users/join", "{\"client_id\":\"stays\",\"username\":\"常驻设备\"}");
        pub("chatroom/lab/users/join", "{\"client_id\":\"lab-dev\",\"username\":\"lab\"}");
        observer.await("chatroom/users/online", r -> r.text().contains("stays"));

        try (TestMqtt late = TestMqtt.connect(mosquitto.port(), "ext-late")
                .subscribe("chatroom/system", "chatroom/users/online", "chatroom/lab/users/online")) {
            late.await("chatroom/users/online", r -> r.retain() && r.text().contains("stays"));
            late.clear();

            product.restart();

            late.await("chatroom/system", r -> r.json().path("message").asText().equals("MQTT服务已连接"));
            // the lists the restarted service announced still hold the members, with their names and join times
            TestMqtt.Received main = late.await(
                    "chatroom/users/online", r -> !r.retain() && r.text().contains("stays"));
            assertThat(main.json().path("users").findValuesAsText("username")).contains("常驻设备");
            late.await("chatroom/lab/users/online", r -> r.text().contains("lab-dev"));
            assertThat(product.get("/mqtt/status").body()).contains("\"client_id\":\"stays\"");

            pub("chatroom/users/leave", "{\"client_id\":\"stays\"}");
            late.await("chatroom/system", r -> r.text().contains("常驻设备 离开了聊天室"));
            late.await("chatroom/users/online", r -> !r.text().contains("stays"));
        }
    }

    @Test
    void input_accepted_by_the_broker_while_the_service_is_down_is_not_lost() {
        product.stop();
        pub("chatroom/messages/in", "{\"client_id\":\"while-down\",\"username\":\"w\",\"message\":\"queued for you\"}");
        product.restart();
        observer.await("chatroom/messages/out", r -> r.text().contains("queued for you"));
        assertThat(observer.on("chatroom/messages/out").stream()
                        .filter(r -> r.text().contains("queued for you")))
                .hasSize(1);
        observer.await("chatroom/system", r -> r.json().path("message").asText().equals("MQTT服务即将停止"));
        observer.await("chatroom/system", r -> r.json().path("message").asText().equals("MQTT服务已连接"));
    }

    @Test
    void the_service_reconnects_after_the_broker_restarts() {
        mosquitto.restart();
        TestMqtt again = TestMqtt.connect(mosquitto.port(), "ext-observer-2").subscribe("chatroom/messages/out");
        try (again) {
            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofSeconds(20))
                    .until(() -> product.get("/mqtt/status").body().contains("\"is_connected\":true"));
            pub("chatroom/messages/in", "{\"client_id\":\"after\",\"username\":\"a\",\"message\":\"after restart\"}");
            again.await("chatroom/messages/out", r -> r.text().contains("after restart"));
        }
    }
}
