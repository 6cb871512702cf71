package dev.aichatroom.mcp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonRawSchema;
import dev.langchain4j.model.chat.request.json.JsonSchemaElement;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Translates between MCP and the model: an MCP tool becomes a LangChain4j {@link ToolSpecification} whose parameter
 * schemas are passed on exactly as the server wrote them (enums, ranges and all); the model's arguments become the
 * call's arguments; a {@link McpSchema.CallToolResult} becomes the text the model reads.
 */
final class ToolFormats {
    /** Longest tool result handed to the model; the rest is cut. */
    static final int MAX_RESULT_CHARS = 16_000;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EMPTY_SCHEMA = "{}";

    private ToolFormats() {}

    static ToolSpecification specification(ToolNames.Named named) {
        McpSchema.Tool tool = named.entry().tool();
        String description = tool.description() != null && !tool.description().isBlank()
                ? tool.description()
                : tool.title() != null ? tool.title() : tool.name();
        if (named.qualified()) {
            description += " (MCP server " + named.entry().serverName() + ")";
        }
        return ToolSpecification.builder()
                .name(named.name())
                .description(description)
                .parameters(parameters(tool.inputSchema()))
                .build();
    }

    /** The tool's input schema as an object schema; its properties and definitions stay raw JSON schema. */
    static JsonObjectSchema parameters(Map<String, Object> schema) {
        JsonObjectSchema.Builder parameters = JsonObjectSchema.builder();
        if (schema == null) {
            return parameters.build();
        }
        Map<String, JsonSchemaElement> properties = raw(schema.get("properties"));
        parameters.addProperties(properties);
        if (schema.get("required") instanceof List<?> required) {
            parameters.required(required.stream()
                    .filter(r -> r instanceof String s && properties.containsKey(s))
                    .map(String.class::cast)
                    .toList());
        }
        if (schema.get("additionalProperties") instanceof Boolean additional) {
            parameters.additionalProperties(additional);
        }
        Object definitions = schema.containsKey("$defs") ? schema.get("$defs") : schema.get("definitions");
        Map<String, JsonSchemaElement> defs = raw(definitions);
        if (!defs.isEmpty()) {
            parameters.definitions(defs);
        }
        return parameters.build();
    }

    private static Map<String, JsonSchemaElement> raw(Object schemas) {
        Map<String, JsonSchemaElement> result = new LinkedHashMap<>();
        if (schemas instanceof Map<?, ?> map) {
            map.forEach((name, schema) -> result.put(String.valueOf(name), JsonRawSchema.from(json(schema))));
        }
        return result;
    }

    private static String json(Object schema) {
        if (!(schema instanceof Map<?, ?>)) {
            return EMPTY_SCHEMA; // a boolean schema ("true") or garbage: anything goes
        }
        try {
            return JSON.writeValueAsString(schema);
        } catch (JsonProcessingException e) {
            return EMPTY_SCHEMA;
        }
    }

    /**
     * The model's arguments (a JSON object, possibly empty) as the call's arguments.
     *
     * @throws IllegalArgumentException when they are not a JSON object
     */
    static Map<String, Object> arguments(String json) {
        if (json == null || json.isBlank()) {
            return Map.of();
        }
        try {
            Map<String, Object> args = JSON.readValue(json, new TypeReference<Map<String, Object>>() {});
            return args == null ? Map.of() : args;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the arguments are not a JSON object: " + e.getOriginalMessage());
        }
    }

    /** What the model reads: the result's text (other content described), {@code error: …} when it failed. */
    static String resultText(McpSchema.CallToolResult result) {
        List<String> parts = new ArrayList<>();
        if (result.content() != null) {
            result.content().forEach(c -> parts.add(describe(c)));
        }
        if (parts.isEmpty() && result.structuredContent() != null) {
            try {
                parts.add(JSON.writeValueAsString(result.structuredContent()));
            } catch (JsonProcessingException e) {
                parts.add(String.valueOf(result.structuredContent()));
            }
        }
        boolean failed = Boolean.TRUE.equals(result.isError());
        String text = String.join("\n", parts);
        if (text.isBlank()) {
            text = failed ? "the tool failed without saying why" : "done";
        }
        return cut(failed ? "error: " + text : text);
    }

    private static String describe(McpSchema.Content content) {
        return switch (content) {
            case McpSchema.TextContent t -> t.text();
            case McpSchema.ImageContent i -> "[image " + i.mimeType() + ", " + decodedSize(i.data()) + " bytes]";
            case McpSchema.AudioContent a -> "[audio " + a.mimeType() + ", " + decodedSize(a.data()) + " bytes]";
            case McpSchema.EmbeddedResource r when r.resource() instanceof McpSchema.TextResourceContents t -> t.text();
            case McpSchema.EmbeddedResource r -> "[resource " + r.resource().uri() + "]";
            case McpSchema.ResourceLink l -> "[link " + l.name() + " " + l.uri() + "]";
            default -> "[" + content.type() + "]";
        };
    }

    private static long decodedSize(String base64) {
        return base64 == null ? 0 : base64.length() * 3L / 4;
    }

    private static String cut(String text) {
        return text.length() <= MAX_RESULT_CHARS ? text : text.substring(0, MAX_RESULT_CHARS) + "…";
    }
}
