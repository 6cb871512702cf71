package dev.aichatroom;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import dev.aichatroom.config.ConfigLoader;
import dev.aichatroom.config.Env;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The build's training run for the JVM's ahead-of-time cache (JDK 25+, {@code -XX:AOTCacheOutput}; decision 0024):
 * starts the product on its defaults (free loopback ports, a temporary data directory), sends chat messages through
 * the embedded broker, reads the page and {@code /health}, stops it and exits. The cache then holds the classes this
 * loaded, already parsed and linked, and the profiles of the methods it ran, so that a start with
 * {@code -XX:AOTCache} skips that work. Nothing here is part of the product's behaviour.
 */
public final class AotTraining {
    private static final int MESSAGES = 300;

    private AotTraining() {}

    public static void main(String[] args) throws Exception {
        Path data = Files.createTempDirectory("ai-chatroom-aot-training");
        int status = 1;
        try {
            train(data);
            status = 0;
        } finally {
            delete(data);
        }
        System.exit(status);
    }

    private static void train(Path data) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("DATA_DIR", data.toString());
        env.put("PORT", Integer.toString(freePort()));
        env.put("MQTT_PORT", Integer.toString(freePort()));
        env.put("MQTT_WS_PORT", Integer.toString(freePort()));
        env.put("CHAT_RATE_PER_MINUTE", "0");
        env.put("VOICE_STT_DOWNLOAD", "false");
        env.put("VOICE_TTS_DOWNLOAD", "false");
        env.put("LOG_LEVEL", "WARN");
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                .setLevel(ch.qos.logback.classic.Level.WARN);
        try (Application app = new Application(ConfigLoader.load(Env.of(env)))) {
            app.start();
            String http = "http://127.0.0.1:" + app.httpPort();
            get(http + "/health");
            get(http + "/");
            chat(Integer.parseInt(env.get("MQTT_PORT")));
            get(http + "/api/rooms/main/messages?limit=50");
            get(http + "/mqtt/status");
        }
    }

    /** Messages in, messages out, at QoS 1 and 0, as a device does. */
    private static void chat(int port) throws InterruptedException {
        Mqtt5BlockingClient client = Mqtt5Client.builder()
                .identifier("aot-training")
                .serverHost("127.0.0.1")
                .serverPort(port)
                .buildBlocking();
        client.connect();
        CountDownLatch out = new CountDownLatch(MESSAGES);
        client.toAsync()
                .subscribeWith()
                .topicFilter("chatroom/messages/out")
                .qos(MqttQos.AT_LEAST_ONCE)
                .callback(p -> out.countDown())
                .send()
                .join();
        for (int i = 0; i < MESSAGES; i++) {
            client.publishWith()
                    .topic("chatroom/messages/in")
                    .qos(i % 2 == 0 ? MqttQos.AT_LEAST_ONCE : MqttQos.AT_MOST_ONCE)
                    .payload(("{\"client_id\":\"aot-training\",\"username\":\"训练\",\"message\":\"hello " + i + "\"}")
                            .getBytes(StandardCharsets.UTF_8))
                    .send();
        }
        out.await(30, TimeUnit.SECONDS);
        client.disconnect();
    }

    private static void get(String url) throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newHttpClient()) {
            http.send(
                    HttpRequest.newBuilder(URI.create(url))
                            .timeout(Duration.ofSeconds(30))
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.delete(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
