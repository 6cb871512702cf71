package dev.aichatroom.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperty;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.aichatroom.broker.AccessPolicy;
import dev.aichatroom.broker.BrokerConfig;
import dev.aichatroom.broker.ClientListener;
import dev.aichatroom.broker.EmbeddedBroker;
import dev.aichatroom.mcp.mqtt.McpMqttClientConfig;
import dev.aichatroom.mcp.mqtt.McpMqttTimeouts;
import dev.aichatroom.mcp.mqtt.MqttConnectionConfig;
import dev.aichatroom.testing.FreePorts;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session can go stale while its server stays online, e.g. the page reloaded its MCP server under the same id and
 * forgot every session. A timed-out call or a changed announcement makes the product ping; a failed ping reopens.
 */
@Timeout(60)
class McpStaleSessionIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NAME = "web-ui-hardware-controller/stale";
    private static final String SERVER_ID = "page-stale";

    @TempDir
    Path dataDir;

    private EmbeddedBroker broker;
    private int port;
    private FakePage page;
    private McpTools tools;

    @BeforeEach
    void start() {
        BrokerConfig config = new BrokerConfig("127.0.0.1", FreePorts.next(), -1, dataDir, Map.of(), Optional.of(true));
        broker = new EmbeddedBroker(config, AccessPolicy.openToAll(), List.of(), ClientListener.NONE, List.of());
        broker.start();
        port = config.port();
        page = new FakePage(port);
        page.announce("v1");
        tools = new McpTools(McpConfig.defaults("main"), new SimpleMeterRegistry());
        McpMqttClientConfig clientConfig = McpMqttClientConfig.builder(MqttConnectionConfig.of("127.0.0.1", port))
                .serverNameFilters("web-ui-hardware-controller/#")
                .timeouts(McpMqttTimeouts.defaults()
                        .withMethod("ping", Duration.ofSeconds(1))
                        .withMethod("tools/call", Duration.ofSeconds(1)))
                .build();
        tools.start(clientConfig, Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(15)).until(() -> tools.serverCount() == 1);
        assertThat(page.initializes.get()).isEqualTo(1);
    }

    @AfterEach
    void stop() {
        tools.close();
        page.close();
        broker.close();
    }

    private String call() {
        return tools.call(new ToolNames.Target(SERVER_ID, NAME, "control_camera"), "{\"enabled\":true}");
    }

    @Test
    void a_timed_out_call_keeps_a_session_whose_server_still_answers_ping() throws InterruptedException {
        assertThat(call()).contains("did not answer within");
        Thread.sleep(3000); // the ping (1 s) has had its chance
        assertThat(page.pings.get()).isPositive();
        assertThat(page.initializes.get()).isEqualTo(1);
        assertThat(tools.serverCount()).isEqualTo(1);
    }

    @Test
    void a_timed_out_call_to_a_server_that_forgot_the_session_reopens_it() {
        page.forgetSessions();
        assertThat(call()).contains("did not answer within");
        await().atMost(Duration.ofSeconds(15)).until(() -> page.initializes.get() == 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> tools.serverCount() == 1);
    }

    @Test
    void a_changed_announcement_from_a_server_that_forgot_the_session_reopens_it() {
        page.forgetSessions();
        page.announce("v2");
        await().atMost(Duration.ofSeconds(15)).until(() -> page.initializes.get() == 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> tools.serverCount() == 1);
    }

    /** A hand-made MCP server that answers initialize, tools/list and (for sessions it knows) ping; never tools/call. */
    private static final class FakePage implements AutoCloseable {
        final AtomicInteger initializes = new AtomicInteger();
        final AtomicInteger pings = new AtomicInteger();
        private final Set<String> known = ConcurrentHashMap.newKeySet();
        private final Mqtt5AsyncClient client;

        FakePage(int port) {
            client = MqttClient.builder()
                    .useMqttVersion5()
                    .identifier(SERVER_ID)
                    .serverHost("127.0.0.1")
                    .serverPort(port)
                    .buildAsync();
            client.publishes(MqttGlobalPublishFilter.ALL, this::onMessage);
            client.connectWith()
                    .cleanStart(true)
                    .sessionExpiryInterval(0)
                    .send()
                    .join();
            client.subscribeWith()
                    .topicFilter("$mcp-server/" + SERVER_ID + "/" + NAME)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send()
                    .join();
            client.subscribeWith()
                    .topicFilter("$mcp-rpc/+/" + SERVER_ID + "/" + NAME)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .noLocal(true)
                    .send()
                    .join();
        }

        void announce(String description) {
            publish(
                    "$mcp-server/presence/" + SERVER_ID + "/" + NAME,
                    Map.of(
                            "jsonrpc",
                            "2.0",
                            "method",
                            "notifications/server/online",
                            "params",
                            Map.of("server_name", NAME, "description", description, "meta", Map.of())),
                    true);
        }

        /** As a reloaded page: the same id, but no session survives. */
        void forgetSessions() {
            known.clear();
        }

        private void onMessage(Mqtt5Publish p) {
            try {
                JsonNode msg = JSON.readTree(p.getPayloadAsBytes());
                String sender = p.getUserProperties().asList().stream()
                        .filter(u -> u.getName().toString().equals("MCP-MQTT-CLIENT-ID"))
                        .map(Mqtt5UserProperty::getValue)
                        .map(Object::toString)
                        .findFirst()
                        .orElse("");
                String rpc = "$mcp-rpc/" + sender + "/" + SERVER_ID + "/" + NAME;
                String method = msg.path("method").asText();
                JsonNode id = msg.get("id");
                switch (method) {
                    case "initialize" -> {
                        initializes.incrementAndGet();
                        known.add(sender);
                        reply(
                                rpc,
                                id,
                                Map.of(
                                        "protocolVersion",
                                                msg.path("params")
                                                        .path("protocolVersion")
                                                        .asText(),
                                        "capabilities", Map.of("tools", Map.of()),
                                        "serverInfo", Map.of("name", "fake-page", "version", "1")));
                    }
                    case "tools/list" ->
                        reply(
                                rpc,
                                id,
                                Map.of(
                                        "tools",
                                        List.of(Map.of(
                                                "name",
                                                "control_camera",
                                                "description",
                                                "camera",
                                                "inputSchema",
                                                Map.of("type", "object")))));
                    case "ping" -> {
                        pings.incrementAndGet();
                        if (known.contains(sender)) {
                            reply(rpc, id, Map.of());
                        }
                    }
                    default -> {
                        // tools/call and notifications: never answered
                    }
                }
            } catch (Exception e) {
                // not for us
            }
        }

        private void reply(String topic, JsonNode id, Object result) {
            publish(topic, Map.of("jsonrpc", "2.0", "id", id, "result", result), false);
        }

        private void publish(String topic, Object message, boolean retain) {
            try {
                var sent = client.publishWith()
                        .topic(topic)
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .retain(retain)
                        .payload(JSON.writeValueAsBytes(message))
                        .userProperties()
                        .add("MCP-COMPONENT-TYPE", "mcp-server")
                        .add("MCP-MQTT-CLIENT-ID", SERVER_ID)
                        .applyUserProperties()
                        .send();
                if (retain) {
                    // the announcement is in the broker before the product subscribes: a subscription made while a
                    // retained message is still being stored may get neither the live nor the retained copy
                    // (replies, sent from the client's callback thread, must not wait there)
                    sent.join();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() {
            client.publishWith()
                    .topic("$mcp-server/presence/" + SERVER_ID + "/" + NAME)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .retain(true)
                    .payload(new byte[0])
                    .send()
                    .join();
            client.disconnect().join();
        }
    }
}
