package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import dev.aichatroom.mqtt.Json;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The seed document's own clients against the product: its Python (Debian's paho-mqtt 1.x) and Node.js (mqtt.js)
 * examples as shipped under {@code examples/}, the shape of {@code /mqtt/status} and the seed's retained publish on
 * {@code chatroom/system} from an MQTT 3.1.1 client.
 */
@Timeout(90)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SeedClientsIT {
    /** The seed's {@code 2025-07-26T11:05:13.675321}: microseconds, no offset. */
    private static final String SEED_TIMESTAMP = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}";

    private static final Path EXAMPLES =
            Path.of("..", "examples").toAbsolutePath().normalize();
    private static TestProduct product;
    private static TestMqtt observer;

    @BeforeAll
    static void start() {
        product = TestProduct.start();
        observer = TestMqtt.connect(product.mqttPort(), "seed-observer")
                .subscribe("chatroom/messages/out", "chatroom/system", "chatroom/users/online");
    }

    @AfterAll
    static void stop() {
        observer.close();
        product.close();
    }

    @Test
    @Order(1)
    void status_has_last_message_time_null_before_the_first_message() {
        JsonNode status = Json.tree(product.get("/mqtt/status").body().getBytes(StandardCharsets.UTF_8))
                .orElseThrow();
        JsonNode s = status.path("mqtt_status");
        assertThat(s.has("last_message_time"))
                .as("the seed's shape always has the field")
                .isTrue();
        assertThat(s.get("last_message_time").isNull()).isTrue();
        assertThat(s.path("connect_time").asText()).matches(SEED_TIMESTAMP);
        assertThat(status.path("timestamp").asText()).matches(SEED_TIMESTAMP);
    }

    @Test
    @Order(2)
    void the_seeds_python_client_talks_and_reads_timestamps_in_the_seeds_format() throws Exception {
        Path script = EXAMPLES.resolve("python/chatroom_client.py");
        Process p = example(List.of("/usr/bin/python3", script.toString()), Map.of("PYTHONUNBUFFERED", "1"));
        Output out = Output.of(p);
        try {
            // the seed publishes its two messages right after connect(), before its CONNACK and the subscriptions it
            // makes in on_connect: whether it reads its own messages back is a race in the seed itself. Its join, and
            // so the room's notice of it, comes after its subscriptions: that it reads every time
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> out.text().contains("📨 [chatroom/system]")
                            && out.text().contains("📤 发送消息: 这是中文消息测试"));
            p.getOutputStream().write('\n'); // the seed's input("按回车键断开连接...")
            p.getOutputStream().flush();
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).as(out.text()).isTrue();
        } finally {
            p.destroyForcibly();
        }
        JsonNode message = observer.await(
                        "chatroom/messages/out",
                        r -> r.json().path("content").asText().equals("这是中文消息测试"))
                .json();
        assertThat(message.path("username").asText()).isEqualTo("Python用户");
        assertThat(message.path("timestamp").asText()).matches(SEED_TIMESTAMP);
        // the seed's format is read by a seed-era client: datetime.strptime with the seed's exact pattern
        String parsed = runPython("from datetime import datetime; print(datetime.strptime('"
                + message.path("timestamp").asText() + "', '%Y-%m-%dT%H:%M:%S.%f').microsecond >= 0)");
        assertThat(parsed.strip()).isEqualTo("True");
        observer.await("chatroom/system", r -> r.json().path("message").asText().contains("Python用户"));
        observer.await("chatroom/users/online", r -> !r.text().contains("python_client_001"), Duration.ofSeconds(10));
    }

    @Test
    @Order(3)
    void the_seeds_node_client_talks() throws Exception {
        Path modules = Path.of("..", "web", "node_modules").toAbsolutePath().normalize();
        Assumptions.assumeTrue(Files.isDirectory(modules.resolve("mqtt")), "web/node_modules (npm ci in web/)");
        Process p = example(
                List.of("node", EXAMPLES.resolve("node/chatroom_client.js").toString()),
                Map.of("NODE_PATH", modules.toString()));
        Output out = Output.of(p);
        try {
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> out.text().contains("\"content\": \"这是来自Node.js的中文消息\""));
            JsonNode message = observer.await(
                            "chatroom/messages/out",
                            r -> r.json().path("content").asText().equals("这是来自Node.js的中文消息"))
                    .json();
            assertThat(message.path("username").asText()).isEqualTo("Node.js用户");
            assertThat(message.path("timestamp").asText()).matches(SEED_TIMESTAMP);
            observer.await(
                    "chatroom/system", r -> r.json().path("message").asText().contains("Node.js用户"));
            new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor(5, TimeUnit.SECONDS);
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).as(out.text()).isTrue();
            assertThat(out.text()).contains("连接已断开");
            // the example exits right after publishing its leave, which is lost; its connection had a random id,
            // not its payload's client_id: the member leaves with the connection that joined it all the same
            observer.await("chatroom/system", r -> r.text().contains("Node.js用户 离开"), Duration.ofSeconds(20));
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> !observer.on("chatroom/users/online")
                            .getLast()
                            .text()
                            .contains("nodejs_client_001"));
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    @Order(4)
    void a_retained_publish_on_system_from_an_mqtt_3_client_is_answered_on_its_error_topic() {
        String id = "seed-retain-" + UUID.randomUUID().toString().substring(0, 8);
        List<String> errors = new CopyOnWriteArrayList<>();
        Mqtt3AsyncClient client = MqttClient.builder()
                .useMqttVersion3()
                .identifier(id)
                .serverHost("127.0.0.1")
                .serverPort(product.mqttPort())
                .buildAsync();
        client.connect().join();
        try {
            client.subscribeWith()
                    .topicFilter("chatroom/clients/" + id + "/errors")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .callback(p -> errors.add(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)))
                    .send()
                    .join();
            // the seed's "消息持久化": client.publish("chatroom/system", message, retain=True)
            client.publishWith()
                    .topic("chatroom/system")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .retain(true)
                    .payload("{\"type\":\"system_message\",\"message\":\"fake\"}".getBytes(StandardCharsets.UTF_8))
                    .send()
                    .join();
            await().atMost(Duration.ofSeconds(10)).until(() -> !errors.isEmpty());
            JsonNode error =
                    Json.tree(errors.get(0).getBytes(StandardCharsets.UTF_8)).orElseThrow();
            assertThat(error.path("type").asText()).isEqualTo("error");
            assertThat(error.path("code").asText()).isEqualTo("FORBIDDEN");
            assertThat(error.path("message").asText()).contains("chatroom/system");
        } finally {
            client.disconnect().join();
        }
        try (TestMqtt late = TestMqtt.connect(product.mqttPort(), id + "-late").subscribe("chatroom/system")) {
            await().pollDelay(Duration.ofSeconds(1))
                    .atMost(Duration.ofSeconds(3))
                    .until(() -> true);
            assertThat(late.received()).as("nothing was retained").isEmpty();
        }
        assertThat(observer.on("chatroom/system")).noneMatch(r -> r.text().contains("fake"));
    }

    /** Starts an example as shipped; it finds the product's broker through MQTT_HOST and MQTT_PORT. */
    private static Process example(List<String> command, Map<String, String> env) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        builder.environment().put("PYTHONIOENCODING", "utf-8");
        builder.environment().put("MQTT_HOST", "127.0.0.1");
        builder.environment().put("MQTT_PORT", Integer.toString(product.mqttPort()));
        return builder.start();
    }

    private static String runPython(String code) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", code)
                .redirectErrorStream(true)
                .start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    /** Everything a process prints, collected as it comes. */
    private record Output(StringBuffer buffer) {
        static Output of(Process p) {
            StringBuffer buffer = new StringBuffer();
            Thread.ofVirtual().start(() -> {
                try (var in = new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)) {
                    char[] chunk = new char[4096];
                    int n;
                    while ((n = in.read(chunk)) > 0) {
                        buffer.append(chunk, 0, n);
                    }
                } catch (IOException e) {
                    buffer.append("[output closed: ").append(e.getMessage()).append(']');
                }
            });
            return new Output(buffer);
        }

        String text() {
            return buffer.toString();
        }
    }
}
