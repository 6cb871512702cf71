package dev.aichatroom.mcp;

import dev.aichatroom.mcp.mqtt.McpMqttServerConfig;
import dev.aichatroom.mcp.mqtt.McpMqttServerTransportProvider;
import dev.aichatroom.mcp.mqtt.MqttConnectionConfig;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The web page's MCP server as PROTOCOL.md §5 describes it, built with the library and the SDK: server name {@code
 * web-ui-hardware-controller/{suffix}}, the page's four tools with their input schemas. It records every call; a gated
 * page holds each call until {@link #release()}.
 */
public final class TestPage implements AutoCloseable {
    static final List<String> EMOTIONS = List.of(
            "happy",
            "sad",
            "angry",
            "surprised",
            "thinking",
            "playful",
            "relaxed",
            "serious",
            "shy",
            "tired",
            "disappointed",
            "laugh");
    static final List<String> TOOLS = List.of("control_camera", "change_emotion", "take_photo", "control_volume");

    /** A call the page received. */
    public record Call(String tool, Map<String, Object> arguments) {}

    private final McpMqttServerTransportProvider provider;
    private final McpSyncServer server;
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final boolean gated;
    private final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch gate = new CountDownLatch(1);
    private final AtomicBoolean closed = new AtomicBoolean();

    private TestPage(MqttConnectionConfig connection, String suffix, boolean gated) {
        this.gated = gated;
        McpMqttServerConfig config = McpMqttServerConfig.builder(connection, "web-ui-hardware-controller/" + suffix)
                .serverId("web-ui-page-" + suffix)
                .description("The test page " + suffix)
                .build();
        provider = new McpMqttServerTransportProvider(config);
        server = McpServer.sync(provider)
                .serverInfo("web-ui-hardware-controller", "1.0.0")
                .requestTimeout(config.timeouts().sdkRequestTimeout())
                .capabilities(McpSchema.ServerCapabilities.builder().tools(true).build())
                .tools(
                        tool(
                                "control_camera",
                                "Turn the camera on or off",
                                Map.of("enabled", Map.of("type", "boolean")),
                                List.of("enabled"),
                                args -> Boolean.TRUE.equals(args.get("enabled")) ? "Camera on" : "Camera off"),
                        tool(
                                "change_emotion",
                                "Change the avatar's emotion",
                                Map.of("emotion", Map.of("type", "string", "enum", EMOTIONS)),
                                List.of("emotion"),
                                args -> "Emotion is now " + args.get("emotion")),
                        tool(
                                "take_photo",
                                "Take a photo with the local or the remote camera",
                                Map.of(
                                        "source", Map.of("type", "string", "enum", List.of("local", "remote")),
                                        "quality", Map.of("type", "number", "minimum", 0, "maximum", 1)),
                                List.of(),
                                args -> "Photo taken"),
                        tool(
                                "control_volume",
                                "Set the volume (0-100) or mute; give at least one",
                                Map.of(
                                        "volume", Map.of("type", "integer", "minimum", 0, "maximum", 100),
                                        "muted", Map.of("type", "boolean")),
                                List.of(),
                                args -> "Volume " + args.get("volume") + ", muted " + args.get("muted")))
                .build();
    }

    /** Starts a page and waits until it announced itself. */
    public static TestPage start(int mqttPort, String suffix) {
        return start(mqttPort, suffix, false);
    }

    static TestPage start(int mqttPort, String suffix, boolean gated) {
        return start(MqttConnectionConfig.of("127.0.0.1", mqttPort), suffix, gated);
    }

    /** A page that reaches the broker this way (e.g. with an account). */
    static TestPage start(MqttConnectionConfig connection, String suffix, boolean gated) {
        TestPage page = new TestPage(connection, suffix, gated);
        page.provider.start().join();
        return page;
    }

    private SyncToolSpecification tool(
            String name,
            String description,
            Map<String, Object> properties,
            List<String> required,
            java.util.function.Function<Map<String, Object>, String> answer) {
        Map<String, Object> schema = new LinkedHashMap<>();
        schema.put("type", "object");
        schema.put("properties", properties);
        schema.put("required", required);
        return SyncToolSpecification.builder()
                .tool(McpSchema.Tool.builder(name, schema)
                        .description(description)
                        .build())
                .callHandler((exchange, request) -> {
                    calls.add(new Call(name, request.arguments()));
                    if (gated) {
                        entered.countDown();
                        await(gate);
                    }
                    return McpSchema.CallToolResult.builder()
                            .addTextContent(answer.apply(request.arguments()))
                            .isError(false)
                            .build();
                })
                .build();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public String serverName() {
        return provider.serverName();
    }

    public String serverId() {
        return provider.serverId();
    }

    McpSyncServer server() {
        return server;
    }

    public List<Call> calls() {
        return List.copyOf(calls);
    }

    /** Whether a gated call has arrived, waiting up to 10 s. */
    boolean awaitCall() throws InterruptedException {
        return entered.await(10, TimeUnit.SECONDS);
    }

    void release() {
        gate.countDown();
    }

    /** Leaves: clears the presence first, then disconnects. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            server.closeGracefully();
        }
    }
}
