package dev.aichatroom.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelcontextprotocol.spec.McpSchema;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ToolNamesTest {
    private static ToolNames.Entry entry(String serverId, String serverName, String tool) {
        return new ToolNames.Entry(
                serverId,
                serverName,
                McpSchema.Tool.builder(tool, Map.of("type", "object")).build());
    }

    private static Map<String, String> names(List<ToolNames.Entry> entries) {
        Map<String, String> byTarget = new java.util.TreeMap<>();
        ToolNames.assign(entries)
                .forEach(n -> byTarget.put(
                        n.entry().serverId() + "|" + n.entry().tool().name(), n.name()));
        return byTarget;
    }

    @Test
    void a_tool_offered_once_keeps_its_name() {
        assertThat(names(List.of(
                        entry("page-1", "web-ui-hardware-controller/abc", "control_camera"),
                        entry("page-1", "web-ui-hardware-controller/abc", "change_emotion"))))
                .containsEntry("page-1|control_camera", "control_camera")
                .containsEntry("page-1|change_emotion", "change_emotion");
    }

    @Test
    void the_same_tool_on_two_servers_is_named_after_each_server() {
        assertThat(names(List.of(
                        entry("page-1", "web-ui-hardware-controller/abc", "control_camera"),
                        entry("page-2", "web-ui-hardware-controller/def", "control_camera"),
                        entry("page-2", "web-ui-hardware-controller/def", "take_photo"))))
                .containsEntry("page-1|control_camera", "abc__control_camera")
                .containsEntry("page-2|control_camera", "def__control_camera")
                .containsEntry("page-2|take_photo", "take_photo");
    }

    @Test
    void two_instances_of_one_server_name_are_told_apart_by_their_server_id() {
        Map<String, String> names = names(List.of(
                entry("tab-1", "web-ui-hardware-controller/abc", "control_camera"),
                entry("tab-2", "web-ui-hardware-controller/abc", "control_camera")));
        assertThat(names.get("tab-1|control_camera")).isEqualTo("abc_" + ToolNames.hash("tab-1") + "__control_camera");
        assertThat(names.get("tab-2|control_camera")).isEqualTo("abc_" + ToolNames.hash("tab-2") + "__control_camera");
    }

    @Test
    void names_are_valid_openai_function_names() {
        String longName = "x".repeat(100);
        List<ToolNames.Named> named = ToolNames.assign(List.of(
                entry("s1", "lab/camera.v2", "camera.zoom in"),
                entry("s2", "lab/other", "camera.zoom in"),
                entry("s1", "lab/camera.v2", "摄像头"),
                entry("s1", "lab/camera.v2", longName),
                entry("s2", "lab/other", longName),
                entry("s1", "lab/camera.v2", "a.b"),
                entry("s1", "lab/camera.v2", "a_b")));
        assertThat(named)
                .allSatisfy(n ->
                        assertThat(ToolNames.isValid(n.name())).as(n.name()).isTrue());
        assertThat(named.stream().map(ToolNames.Named::name).distinct()).hasSize(named.size());
        assertThat(named)
                .filteredOn(n -> n.entry().tool().name().equals("camera.zoom in"))
                .extracting(ToolNames.Named::name)
                .containsExactlyInAnyOrder("camera_v2__camera_zoom_in", "other__camera_zoom_in");
    }

    @Test
    void names_do_not_depend_on_the_order_servers_came_online() {
        List<ToolNames.Entry> entries = new ArrayList<>(List.of(
                entry("tab-1", "web-ui-hardware-controller/abc", "control_camera"),
                entry("tab-2", "web-ui-hardware-controller/abc", "control_camera"),
                entry("page-3", "web-ui-hardware-controller/def", "control_camera"),
                entry("page-3", "web-ui-hardware-controller/def", "a.b"),
                entry("page-3", "web-ui-hardware-controller/def", "a_b")));
        Map<String, String> first = names(entries);
        Random random = new Random(7);
        for (int i = 0; i < 20; i++) {
            Collections.shuffle(entries, random);
            assertThat(names(entries)).isEqualTo(first);
        }
    }
}
