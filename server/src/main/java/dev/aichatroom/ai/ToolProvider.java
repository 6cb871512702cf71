package dev.aichatroom.ai;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import java.util.List;

/**
 * Tools the assistant may call while it answers (e.g. the web page's tools, reached over MCP). The assistant offers
 * {@link #tools(String)} to the model, runs every tool call the model makes through {@link #execute}, gives the result
 * back to the model and repeats until the model answers, for a bounded number of rounds.
 */
public interface ToolProvider {
    /** No tools: the model only talks. */
    ToolProvider NONE = new ToolProvider() {
        @Override
        public List<ToolSpecification> tools(String room) {
            return List.of();
        }

        @Override
        public String execute(ToolExecutionRequest request) {
            return "error: no tool named " + request.name();
        }
    };

    /** The tools available to a reply in this room right now; empty for none. */
    List<ToolSpecification> tools(String room);

    /**
     * Runs one tool call (blocking; called on a virtual thread). Returns the result as the model should see it; a
     * failure is reported as text (e.g. {@code "error: camera not available"}), not thrown, so the model can explain it.
     */
    String execute(ToolExecutionRequest request);
}
