package dev.aichatroom.mcp;

import dev.aichatroom.ai.ToolProvider;
import dev.aichatroom.mcp.mqtt.DiscoveredServer;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The tools of the servers in one scope (all of them, or one device's page) as the assistant's {@link ToolProvider}.
 *
 * <p>Names depend on which tools are online, so a name is resolved the way it was offered: a call for {@code
 * control_camera} goes to the server whose tool was offered under that name, even if another server with the same
 * tool came online between the offer and the call. Names of servers that went offline are forgotten.
 */
final class ScopedTools implements ToolProvider {
    private final McpTools mcp;
    private final Predicate<DiscoveredServer> scope;
    private final Map<String, ToolNames.Target> offered = new ConcurrentHashMap<>();

    ScopedTools(McpTools mcp, Predicate<DiscoveredServer> scope) {
        this.mcp = mcp;
        this.scope = scope;
    }

    @Override
    public List<ToolSpecification> tools(String room) {
        List<ToolNames.Named> named = mcp.catalog(scope);
        offered.values().removeIf(target -> !mcp.isOnline(target));
        named.forEach(n -> offered.put(n.name(), n.entry().target()));
        return named.stream().map(ToolFormats::specification).toList();
    }

    @Override
    public String execute(ToolExecutionRequest request) {
        Optional<ToolNames.Target> target = Optional.ofNullable(offered.get(request.name()))
                .or(() -> mcp.catalog(scope).stream()
                        .filter(n -> n.name().equals(request.name()))
                        .map(n -> n.entry().target())
                        .findFirst());
        return target.map(t -> mcp.call(t, request.arguments()))
                .orElseGet(() -> "error: no tool named '" + request.name()
                        + "' is available; its MCP server may have gone offline");
    }
}
