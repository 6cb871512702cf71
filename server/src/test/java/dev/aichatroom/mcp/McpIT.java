package dev.aichatroom.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aichatroom.ai.FakeOpenAi;
import dev.aichatroom.ai.ToolProvider;
import dev.aichatroom.mcp.mqtt.DiscoveredServer;
import dev.aichatroom.mcp.mqtt.McpMqttClientConfig;
import dev.aichatroom.mcp.mqtt.McpMqttServerDiscovery;
import dev.aichatroom.mcp.mqtt.MqttConnectionConfig;
import dev.aichatroom.mqtt.Json;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import dev.aichatroom.web.ClientIdOwners;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * MCP over MQTT in the real product (embedded broker, fake OpenAI-compatible model): the web page's tools reach the
 * model and its calls reach the page; tool lists follow the page; a page that leaves mid-call gives the model an error
 * at once; the chat room is an MCP server other agents can use.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class McpIT {
    private static final Duration REPLY = Duration.ofSeconds(20);

    private static FakeOpenAi model;
    private static TestProduct product;
    private static TestMqtt room;

    @BeforeAll
    static void start() throws Exception {
        model = new FakeOpenAi();
        product = TestProduct.start(Map.of(
                "AI_PROVIDER", "openai-compatible",
                "AI_BASE_URL", model.baseUrl(),
                "AI_MODEL", "fake-model",
                "AI_MAX_RETRIES", "0",
                "AI_TIMEOUT", "30",
                "CHAT_LANGUAGE", "en",
                "MCP_TOOL_TIMEOUT", "30"));
        room = TestMqtt.connect(product.mqttPort(), "mcp-it-observer")
                .subscribe("chatroom/messages/out", "chatroom/+/messages/out");
    }

    @AfterAll
    static void stop() {
        room.close();
        product.close();
        model.close();
    }

    @BeforeEach
    void reset() {
        model.reset();
        model.byDefault(FakeOpenAi.text("Nothing to say."));
    }

    private static String unique() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    /** Waits until {@code /health} reports MCP with every one of {@code parts} in its detail. */
    private static void awaitMcp(String... parts) {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            JsonNode mcp = Json.tree(product.get("/health").body().getBytes())
                    .orElseThrow()
                    .path("checks")
                    .path("mcp");
            assertThat(mcp.path("status").asText()).isEqualTo("up");
            assertThat(mcp.path("detail").asText()).contains(parts);
        });
    }

    /** Asks in room main and returns the question's message id once it was published. */
    private static String ask(String text) {
        String clientId = "mcp-it-user-" + unique();
        room.publish(
                "chatroom/messages/in",
                Json.string(Map.of("client_id", clientId, "username", "Tester", "message", text)));
        return room.await(
                        "chatroom/messages/out",
                        r -> r.json().path("content").asText().equals(text))
                .json()
                .path("message_id")
                .asText();
    }

    private static JsonNode replyTo(String questionId) {
        return room.await(
                        "chatroom/messages/out",
                        r -> r.json().path("type").asText().equals("ai_response")
                                && r.json().path("reply_to").asText().equals(questionId),
                        REPLY)
                .json();
    }

    private static long repliesTo(String questionId) {
        return room.on("chatroom/messages/out").stream()
                .map(TestMqtt.Received::json)
                .filter(j -> j.path("type").asText().equals("ai_response"))
                .filter(j -> j.path("reply_to").asText().equals(questionId))
                .count();
    }

    /** The functions offered in a request to the model, by name. */
    private static Map<String, JsonNode> offered(JsonNode request) {
        Map<String, JsonNode> functions = new java.util.TreeMap<>();
        request.path("tools")
                .forEach(t -> functions.put(t.path("function").path("name").asText(), t.path("function")));
        return functions;
    }

    private static JsonNode message(JsonNode request, String role) {
        return StreamSupport.stream(request.path("messages").spliterator(), false)
                .filter(m -> m.path("role").asText().equals(role))
                .reduce((first, second) -> second)
                .orElseThrow(() -> new AssertionError("no " + role + " message in " + request));
    }

    @Test
    void a_mention_makes_the_model_call_the_page_camera_and_the_reply_reports_the_result() {
        try (TestPage page = TestPage.start(product.mqttPort(), "cam" + unique())) {
            awaitMcp("1 server, 4 tools", page.serverName() + ": 4 tools");
            model.then(
                    new FakeOpenAi.ToolCall("call_cam_1", "control_camera", List.of("{\"ena", "bled\":", " true}")),
                    FakeOpenAi.text("The camera", " is on now."));

            String question = ask("@AI turn on the camera");
            JsonNode reply = replyTo(question);

            assertThat(reply.path("content").asText()).isEqualTo("The camera is on now.");
            assertThat(page.calls()).containsExactly(new TestPage.Call("control_camera", Map.of("enabled", true)));
            assertThat(model.requests()).hasSize(2);

            Map<String, JsonNode> tools = offered(model.requests().get(0));
            assertThat(tools).containsOnlyKeys(TestPage.TOOLS);
            assertThat(tools.get("control_camera").path("parameters").path("required"))
                    .extracting(JsonNode::asText)
                    .containsExactly("enabled");
            assertThat(tools.get("change_emotion")
                            .path("parameters")
                            .path("properties")
                            .path("emotion")
                            .path("enum"))
                    .extracting(JsonNode::asText)
                    .containsExactlyElementsOf(TestPage.EMOTIONS);
            JsonNode quality = tools.get("take_photo")
                    .path("parameters")
                    .path("properties")
                    .path("quality");
            assertThat(quality.path("minimum").asDouble()).isZero();
            assertThat(quality.path("maximum").asDouble()).isEqualTo(1.0);
            assertThat(tools.get("control_volume")
                            .path("parameters")
                            .path("properties")
                            .path("volume")
                            .path("maximum")
                            .asInt())
                    .isEqualTo(100);

            JsonNode second = model.requests().get(1);
            JsonNode call = message(second, "assistant").path("tool_calls").get(0);
            assertThat(call.path("id").asText()).isEqualTo("call_cam_1");
            assertThat(call.path("function").path("name").asText()).isEqualTo("control_camera");
            assertThat(Json.tree(call.path("function")
                                    .path("arguments")
                                    .asText()
                                    .getBytes())
                            .orElseThrow()
                            .path("enabled")
                            .asBoolean())
                    .isTrue();
            JsonNode result = message(second, "tool");
            assertThat(result.path("tool_call_id").asText()).isEqualTo("call_cam_1");
            assertThat(result.path("content").asText()).isEqualTo("Camera on");
            assertThat(repliesTo(question)).isEqualTo(1);
        }
    }

    @Test
    void the_offered_tools_follow_the_pages_list_changed_notifications() {
        try (TestPage page = TestPage.start(product.mqttPort(), "list" + unique())) {
            awaitMcp(page.serverName() + ": 4 tools");
            page.server()
                    .addTool(io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification.builder()
                            .tool(McpSchema.Tool.builder("zoom", Map.of("type", "object"))
                                    .description("Zoom the camera")
                                    .build())
                            .callHandler((exchange, request) -> McpSchema.CallToolResult.builder()
                                    .addTextContent("zoomed")
                                    .build())
                            .build());
            awaitMcp(page.serverName() + ": 5 tools");
            model.then(FakeOpenAi.text("I can zoom."));
            replyTo(ask("@AI what can you do now?"));
            assertThat(offered(model.requests().getLast())).containsKey("zoom").hasSize(5);

            page.server().removeTool("take_photo");
            awaitMcp(page.serverName() + ": 4 tools");
            model.then(FakeOpenAi.text("No more photos."));
            replyTo(ask("@AI and now?"));
            assertThat(offered(model.requests().getLast()))
                    .containsKey("zoom")
                    .doesNotContainKey("take_photo")
                    .hasSize(4);
        }
    }

    @Test
    void a_page_leaving_during_a_call_gives_the_model_an_error_at_once_and_the_room_one_reply() throws Exception {
        TestPage page = TestPage.start(product.mqttPort(), "gone" + unique(), true);
        try {
            awaitMcp("1 server, 4 tools", page.serverName() + ": 4 tools");
            model.then(
                    new FakeOpenAi.ToolCall("call_photo_1", "take_photo", List.of("{\"source\":", "\"local\"}")),
                    FakeOpenAi.text("Sorry, the page went away."));

            String question = ask("@AI take a photo");
            assertThat(page.awaitCall()).isTrue();
            long left = System.nanoTime();
            Thread.ofVirtual().start(page::close); // the call is still running on the page

            JsonNode reply = replyTo(question);
            Duration took = Duration.ofNanos(System.nanoTime() - left);

            assertThat(reply.path("content").asText()).isEqualTo("Sorry, the page went away.");
            assertThat(took).isLessThan(Duration.ofSeconds(10)); // the tool call timeout is 30 s
            JsonNode result = message(model.requests().get(1), "tool");
            assertThat(result.path("tool_call_id").asText()).isEqualTo("call_photo_1");
            assertThat(result.path("content").asText())
                    .startsWith("error: ")
                    .contains(page.serverName(), "went offline", "take_photo");
            awaitMcp("0 servers, 0 tools");
            assertThat(repliesTo(question)).isEqualTo(1);
            assertThat(offered(model.requests().get(1))).isEmpty();
        } finally {
            page.release();
            page.close();
        }
    }

    @Test
    void the_chat_room_is_an_mcp_server_other_agents_can_use() {
        McpMqttClientConfig config = McpMqttClientConfig.builder(
                        MqttConnectionConfig.of("127.0.0.1", product.mqttPort()))
                .clientIdPrefix("mcp-it-agent")
                .serverNameFilters("ai-chatroom/#")
                .build();
        try (McpMqttServerDiscovery discovery = McpMqttServerDiscovery.create(config)) {
            discovery.start().join();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !discovery.servers("ai-chatroom/main").isEmpty());
            DiscoveredServer server = discovery.servers("ai-chatroom/main").getFirst();
            assertThat(server.description()).contains("main");

            try (McpSyncClient agent = McpClient.sync(discovery.transportFor(server))
                    .clientInfo(McpSchema.Implementation.builder("it-agent", "1.0.0")
                            .build())
                    .requestTimeout(config.timeouts().sdkRequestTimeout())
                    .initializationTimeout(config.timeouts().sdkInitializationTimeout())
                    .build()) {
                agent.initialize();
                assertThat(agent.listTools().tools())
                        .extracting(McpSchema.Tool::name)
                        .containsExactlyInAnyOrder("send_message", "list_users", "get_history");

                String joiner = "mcp-it-joiner-" + unique();
                room.publish("chatroom/users/join", Json.string(Map.of("client_id", joiner, "username", "Joiner")));
                await().atMost(Duration.ofSeconds(10))
                        .untilAsserted(() -> assertThat(text(agent.callTool(call("list_users", Map.of()))))
                                .contains("\"client_id\":\"" + joiner + "\"", "\"username\":\"Joiner\""));

                McpSchema.CallToolResult sent = agent.callTool(
                        call("send_message", Map.of("text", "hello from an agent", "username", "agent-7")));
                assertThat(sent.isError()).isFalse();
                String id = Json.tree(text(sent).getBytes())
                        .orElseThrow()
                        .path("message_id")
                        .asText();
                JsonNode out = room.await(
                                "chatroom/messages/out",
                                r -> r.json().path("message_id").asText().equals(id))
                        .json();
                assertThat(out.path("type").asText()).isEqualTo("user_message");
                assertThat(out.path("content").asText()).isEqualTo("hello from an agent");
                assertThat(out.path("username").asText()).isEqualTo("agent-7");
                assertThat(out.path("source").asText()).isEqualTo("mcp");
                assertThat(out.path("room").asText()).isEqualTo("main");

                JsonNode history = Json.tree(text(agent.callTool(call("get_history", Map.of("limit", 5))))
                                .getBytes())
                        .orElseThrow();
                List<String> ids = new ArrayList<>();
                history.path("messages")
                        .forEach(m -> ids.add(m.path("message_id").asText()));
                assertThat(ids).hasSizeLessThanOrEqualTo(5).endsWith(id);

                McpSchema.CallToolResult empty = agent.callTool(call("send_message", Map.of("text", "   ")));
                assertThat(empty.isError()).isTrue();
                assertThat(text(empty)).contains("empty");
                McpSchema.CallToolResult impostor =
                        agent.callTool(call("send_message", Map.of("text", "trust me", "username", "智能\u200b助手")));
                assertThat(impostor.isError())
                        .as("an agent cannot speak as the assistant")
                        .isTrue();
                assertThat(text(impostor)).contains("reserved");
                McpSchema.CallToolResult badRoom = agent.callTool(call("get_history", Map.of("room", "users")));
                assertThat(badRoom.isError()).isTrue();

                // an agent is held to the rate limit of any other client (CHAT_RATE_BURST 20, 120 per minute)
                McpSchema.CallToolResult limited = null;
                int sentBeforeLimit = 1;
                for (int i = 0; i < 40 && limited == null; i++) {
                    McpSchema.CallToolResult r = agent.callTool(call("send_message", Map.of("text", "spam " + i)));
                    if (r.isError()) {
                        limited = r;
                    } else {
                        sentBeforeLimit++;
                    }
                }
                assertThat(limited).as("send_message is rate-limited").isNotNull();
                assertThat(text(limited)).contains("too many messages");
                assertThat(sentBeforeLimit).isBetween(20, 30);
            }
        }
    }

    @Test
    void where_browsers_log_in_a_device_gets_only_page_tools_its_own_browser_owns() {
        String suffix = "own" + unique();
        ClientIdOwners owners = new ClientIdOwners(java.time.Clock.systemUTC());
        owners.claim("web-ui-page-" + suffix, "alice's browser");
        owners.claim("voice_alice-" + suffix, "alice's browser");
        // anyone can read the page's name from its presence and claim a device id with the same suffix
        owners.claim("voice_mallory-" + suffix, "mallory's browser");
        McpTools tools = new McpTools(McpConfig.defaults("main"), new SimpleMeterRegistry());
        tools.bindDevicesTo(owners::sameOwner);
        try (tools;
                TestPage page = TestPage.start(product.mqttPort(), suffix)) {
            tools.start(
                    McpMqttClientConfig.builder(MqttConnectionConfig.of("127.0.0.1", product.mqttPort()))
                            .clientIdPrefix("mcp-it-owners")
                            .serverNameFilters("web-ui-hardware-controller/" + suffix)
                            .build(),
                    Duration.ofSeconds(10));
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> tools.forDevice("voice_alice-" + suffix)
                                    .tools("main")
                                    .size()
                            == 4);

            ToolProvider mallory = tools.forDevice("voice_mallory-" + suffix);
            assertThat(mallory.tools("main")).isEmpty();
            assertThat(mallory.execute(ToolExecutionRequest.builder()
                            .id("call_1")
                            .name("control_camera")
                            .arguments("{\"enabled\":true}")
                            .build()))
                    .startsWith("error: no tool named 'control_camera'");
            assertThat(tools.forDevice("webrtc-client-" + suffix).tools("main"))
                    .as("a device nobody claimed is not the page's owner either")
                    .isEmpty();
            assertThat(page.calls()).isEmpty();
        }
    }

    @Test
    void a_device_gets_the_tools_of_its_own_page_and_rooms_get_every_pages_tools_by_unique_names() {
        String a = "dev" + unique();
        String b = "dev" + unique();
        McpTools tools = new McpTools(McpConfig.defaults("main"), new SimpleMeterRegistry());
        try (tools;
                TestPage pageA = TestPage.start(product.mqttPort(), a);
                TestPage pageB = TestPage.start(product.mqttPort(), b)) {
            tools.start(
                    McpMqttClientConfig.builder(MqttConnectionConfig.of("127.0.0.1", product.mqttPort()))
                            .clientIdPrefix("mcp-it-tools")
                            .serverNameFilters("web-ui-hardware-controller/" + a, "web-ui-hardware-controller/" + b)
                            .build(),
                    Duration.ofSeconds(10));
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> tools.forRooms().tools("main").size() == 8);

            assertThat(names(tools.forRooms()))
                    .contains(a + "__control_camera", b + "__control_camera", a + "__change_emotion")
                    .allSatisfy(n -> assertThat(ToolNames.isValid(n)).isTrue());
            ToolProvider deviceA = tools.forDevice("webrtc-client-" + a);
            assertThat(names(deviceA)).containsExactlyInAnyOrderElementsOf(TestPage.TOOLS);

            String result = deviceA.execute(ToolExecutionRequest.builder()
                    .id("call_1")
                    .name("control_camera")
                    .arguments("{\"enabled\":false}")
                    .build());
            assertThat(result).isEqualTo("Camera off");
            assertThat(pageA.calls()).containsExactly(new TestPage.Call("control_camera", Map.of("enabled", false)));
            assertThat(pageB.calls()).isEmpty();

            String emotion = tools.forRooms()
                    .execute(ToolExecutionRequest.builder()
                            .id("call_2")
                            .name(b + "__change_emotion")
                            .arguments("{\"emotion\":\"happy\"}")
                            .build());
            assertThat(emotion).isEqualTo("Emotion is now happy");
            assertThat(pageB.calls()).containsExactly(new TestPage.Call("change_emotion", Map.of("emotion", "happy")));
            assertThat(tools.forDevice("webrtc-client-nobody").tools("main")).isEmpty();
        }
    }

    @Test
    void a_seed_two_call_from_its_own_connection_gets_the_tools_of_the_page_that_shares_its_random_part() {
        String random = "s2" + unique();
        McpTools tools = new McpTools(McpConfig.defaults("main"), new SimpleMeterRegistry());
        try (tools;
                TestPage page = TestPage.start(product.mqttPort(), random)) {
            tools.start(
                    McpMqttClientConfig.builder(MqttConnectionConfig.of("127.0.0.1", product.mqttPort()))
                            .clientIdPrefix("mcp-it-seed2")
                            .serverNameFilters("web-ui-hardware-controller/" + random)
                            .build(),
                    Duration.ofSeconds(10));
            // seed 2: the page's MCP server and its WebRTC client are two connections, webrtc_client_<random>
            ToolProvider call = tools.forDevice("webrtc_client_" + random);
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> call.tools("main").size() == 4);
            assertThat(call.execute(ToolExecutionRequest.builder()
                            .id("call_1")
                            .name("control_camera")
                            .arguments("{\"enabled\":true}")
                            .build()))
                    .isEqualTo("Camera on");
            assertThat(tools.forDevice("webrtc_client_other" + random).tools("main"))
                    .isEmpty();
        }
    }

    private static List<String> names(ToolProvider provider) {
        return provider.tools("main").stream().map(ToolSpecification::name).toList();
    }

    private static McpSchema.CallToolRequest call(String tool, Map<String, Object> arguments) {
        return McpSchema.CallToolRequest.builder(tool).arguments(arguments).build();
    }

    private static String text(McpSchema.CallToolResult result) {
        return ((McpSchema.TextContent) result.content().getFirst()).text();
    }
}
