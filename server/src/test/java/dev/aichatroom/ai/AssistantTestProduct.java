package dev.aichatroom.ai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import dev.aichatroom.Application;
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
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The real product on free ports with a temporary {@code DATA_DIR}, plus one MQTT 5 client that records everything
 * published on the rooms' public topics, and devices (one connection per client id) that publish inputs and record
 * their private errors. For the assistant's integration tests.
 */
final class AssistantTestProduct implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A message seen on a topic, with when it arrived. */
    record Received(String topic, JsonNode json, long nanos) {}

    private final Path dataDir;
    private final Application app;
    private final int mqttPort;
    private final Mqtt5AsyncClient client;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private final Map<String, Mqtt5AsyncClient> senders = new java.util.concurrent.ConcurrentHashMap<>();

    private AssistantTestProduct(Map<String, String> settings) throws IOException {
        dataDir = Files.createTempDirectory("ai-product-");
        mqttPort = freePort();
        Map<String, String> env = new HashMap<>();
        env.put("MQTT_PORT", String.valueOf(mqttPort));
        env.put("MQTT_WS_PORT", String.valueOf(freePort()));
        env.put("PORT", "0");
        env.put("DATA_DIR", dataDir.toString());
        env.putAll(settings);
        app = new Application(ConfigLoader.load(Env.of(env)));
        app.start();
        client = MqttClient.builder()
                .useMqttVersion5()
                .identifier("ai-test-observer-" + UUID.randomUUID())
                .serverHost("127.0.0.1")
                .serverPort(mqttPort)
                .buildAsync();
        try {
            client.connect().get(10, TimeUnit.SECONDS);
            // what every visitor may read; a sender's private errors reach it through its own connection (say)
            for (String filter : List.of(
                    "chatroom/messages/out",
                    "chatroom/+/messages/out",
                    "chatroom/messages/stream",
                    "chatroom/+/messages/stream",
                    "chatroom/system",
                    "chatroom/+/system",
                    "chatroom/users/online",
                    "chatroom/+/users/online")) {
                subscribe(client, filter);
            }
        } catch (Exception e) {
            close();
            throw new IllegalStateException("test MQTT client cannot connect", e);
        }
    }

    /** Starts the product with these variables over the test defaults (free ports, temporary data dir). */
    static AssistantTestProduct start(Map<String, String> settings) {
        try {
            return new AssistantTestProduct(settings);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int mqttPort() {
        return mqttPort;
    }

    Path dataDir() {
        return dataDir;
    }

    /** Publishes a chat message as an MQTT device would, with QoS 1. */
    void say(String room, String clientId, String username, String text) {
        String topic = room.equals("main") ? "chatroom/messages/in" : "chatroom/" + room + "/messages/in";
        try {
            senders.computeIfAbsent(clientId, this::sender)
                    .publishWith()
                    .topic(topic)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(JSON.writeValueAsBytes(
                            Map.of("client_id", clientId, "username", username, "message", text)))
                    .send()
                    .get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("publish failed", e);
        }
    }

    /** A device's own connection, under its client id, that records the private errors sent to it. */
    private Mqtt5AsyncClient sender(String clientId) {
        Mqtt5AsyncClient sender = MqttClient.builder()
                .useMqttVersion5()
                .identifier(clientId)
                .serverHost("127.0.0.1")
                .serverPort(mqttPort)
                .buildAsync();
        try {
            sender.connect().get(10, TimeUnit.SECONDS);
            subscribe(sender, "chatroom/clients/" + clientId + "/errors");
        } catch (Exception e) {
            throw new IllegalStateException("test MQTT client " + clientId + " cannot connect", e);
        }
        return sender;
    }

    private void subscribe(Mqtt5AsyncClient c, String filter) throws Exception {
        c.subscribeWith()
                .topicFilter(filter)
                .qos(MqttQos.AT_LEAST_ONCE)
                .callback(p -> received.add(
                        new Received(p.getTopic().toString(), parse(p.getPayloadAsBytes()), System.nanoTime())))
                .send()
                .get(10, TimeUnit.SECONDS);
    }

    /** Everything received so far on exactly this topic, oldest first. */
    List<JsonNode> on(String topic) {
        return received.stream()
                .filter(r -> r.topic().equals(topic))
                .map(Received::json)
                .toList();
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    /** The user message whose content is {@code text}, once it was published on the room's out topic. */
    List<JsonNode> out(String text) {
        return received.stream()
                .filter(r -> r.topic().endsWith("/messages/out"))
                .map(Received::json)
                .filter(j -> j.path("content").asText().equals(text))
                .toList();
    }

    /** The ai_responses that answer the message {@code questionId}. */
    List<JsonNode> answersTo(String questionId) {
        return received.stream()
                .filter(r -> r.topic().endsWith("/messages/out"))
                .map(Received::json)
                .filter(j -> j.path("type").asText().equals("ai_response"))
                .filter(j -> j.path("reply_to").asText().equals(questionId))
                .toList();
    }

    /** The private error replies sent to {@code clientId}. */
    List<JsonNode> errorsFor(String clientId) {
        return on("chatroom/clients/" + clientId + "/errors");
    }

    /** System notices whose text contains {@code part}. */
    List<String> notices(String part) {
        return received.stream()
                .filter(r -> r.topic().endsWith("/system"))
                .map(r -> r.json().path("message").asText())
                .filter(m -> m.contains(part))
                .toList();
    }

    HttpResponse<String> get(String path) {
        try {
            return http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort() + path))
                            .build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    JsonNode getJson(String path) {
        try {
            return JSON.readTree(get(path).body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode parse(byte[] payload) {
        try {
            return JSON.readTree(payload);
        } catch (IOException e) {
            return JSON.createObjectNode().put("unparsed", new String(payload, StandardCharsets.UTF_8));
        }
    }

    private static void disconnect(Mqtt5AsyncClient c) {
        try {
            if (c != null && c.getState().isConnected()) {
                c.disconnect().get(5, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            // the product stops anyway
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        for (Mqtt5AsyncClient c : senders.values()) {
            disconnect(c);
        }
        disconnect(client);
        app.close();
        try (Stream<Path> files = Files.walk(dataDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind
        }
    }
}
