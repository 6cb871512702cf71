package dev.aichatroom.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.internal.JsonSchemaElementUtils;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ToolFormatsTest {
    private static final McpSchema.Tool TAKE_PHOTO = McpSchema.Tool.builder(
                    "take_photo",
                    Map.of(
                            "type",
                            "object",
                            "properties",
                            Map.of(
                                    "source", Map.of("type", "string", "enum", List.of("local", "remote")),
                                    "quality", Map.of("type", "number", "minimum", 0, "maximum", 1)),
                            "required",
                            List.of("source", "not_a_property")))
            .description("Take a photo")
            .build();

    private static ToolNames.Named named(McpSchema.Tool tool, boolean qualified) {
        return new ToolNames.Named(
                qualified ? "abc__" + tool.name() : tool.name(),
                new ToolNames.Entry("page-1", "web-ui-hardware-controller/abc", tool),
                qualified);
    }

    @Test
    void parameter_schemas_reach_the_model_as_the_server_wrote_them() {
        ToolSpecification spec = ToolFormats.specification(named(TAKE_PHOTO, false));

        assertThat(spec.name()).isEqualTo("take_photo");
        assertThat(spec.description()).isEqualTo("Take a photo");
        assertThat(spec.parameters().required()).containsExactly("source");
        Map<String, Object> quality =
                JsonSchemaElementUtils.toMap(spec.parameters().properties().get("quality"));
        assertThat(quality)
                .containsEntry("type", "number")
                .containsEntry("minimum", 0)
                .containsEntry("maximum", 1);
        Map<String, Object> source =
                JsonSchemaElementUtils.toMap(spec.parameters().properties().get("source"));
        assertThat(source).containsEntry("enum", List.of("local", "remote"));
    }

    @Test
    void a_qualified_name_says_which_server_the_tool_is_on() {
        ToolSpecification spec = ToolFormats.specification(named(TAKE_PHOTO, true));
        assertThat(spec.name()).isEqualTo("abc__take_photo");
        assertThat(spec.description()).isEqualTo("Take a photo (MCP server web-ui-hardware-controller/abc)");
    }

    @Test
    void a_tool_without_schema_or_description_still_makes_a_specification() {
        McpSchema.Tool bare =
                McpSchema.Tool.builder("ping", Map.of("type", "object")).build();
        ToolSpecification spec = ToolFormats.specification(named(bare, false));
        assertThat(spec.description()).isEqualTo("ping");
        assertThat(spec.parameters().properties()).isEmpty();
    }

    @Test
    void arguments_are_a_json_object_or_nothing() {
        assertThat(ToolFormats.arguments("{\"enabled\":true}")).containsEntry("enabled", true);
        assertThat(ToolFormats.arguments("")).isEmpty();
        assertThat(ToolFormats.arguments(null)).isEmpty();
        assertThatThrownBy(() -> ToolFormats.arguments("[1,2]"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a JSON object");
        assertThatThrownBy(() -> ToolFormats.arguments("{\"enabled\":")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void results_become_text_for_the_model() {
        assertThat(ToolFormats.resultText(McpSchema.CallToolResult.builder()
                        .addTextContent("Camera on")
                        .build()))
                .isEqualTo("Camera on");
        assertThat(ToolFormats.resultText(McpSchema.CallToolResult.builder()
                        .addTextContent("Photo taken")
                        .addContent(McpSchema.ImageContent.builder("AAAA", "image/png")
                                .build())
                        .build()))
                .isEqualTo("Photo taken\n[image image/png, 3 bytes]");
        assertThat(ToolFormats.resultText(McpSchema.CallToolResult.builder()
                        .addTextContent("camera is jammed")
                        .isError(true)
                        .build()))
                .isEqualTo("error: camera is jammed");
        assertThat(ToolFormats.resultText(McpSchema.CallToolResult.builder()
                        .structuredContent(Map.of("volume", 40))
                        .build()))
                .isEqualTo("{\"volume\":40}");
        assertThat(ToolFormats.resultText(McpSchema.CallToolResult.builder().build()))
                .isEqualTo("done");
    }

    @Test
    void long_results_are_cut() {
        String text = ToolFormats.resultText(McpSchema.CallToolResult.builder()
                .addTextContent("x".repeat(ToolFormats.MAX_RESULT_CHARS + 10))
                .build());
        assertThat(text).hasSize(ToolFormats.MAX_RESULT_CHARS + 1).endsWith("…");
    }
}
