package dev.aichatroom.mcp.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class WireTest {

    @Test
    void topics_follow_the_specification() {
        assertThat(Wire.serverControl("s1", "a/b/c")).isEqualTo("$mcp-server/s1/a/b/c");
        assertThat(Wire.serverCapability("s1", "a/b/c")).isEqualTo("$mcp-server/capability/s1/a/b/c");
        assertThat(Wire.serverPresence("s1", "a/b/c")).isEqualTo("$mcp-server/presence/s1/a/b/c");
        assertThat(Wire.serverPresenceFilter("a/#")).isEqualTo("$mcp-server/presence/+/a/#");
        assertThat(Wire.clientPresence("c1")).isEqualTo("$mcp-client/presence/c1");
        assertThat(Wire.clientCapability("c1")).isEqualTo("$mcp-client/capability/c1");
        assertThat(Wire.rpc("c1", "s1", "a/b/c")).isEqualTo("$mcp-rpc/c1/s1/a/b/c");
    }

    @Test
    void presence_topics_split_into_server_id_and_hierarchical_name() {
        assertThat(Wire.parseServerPresence("$mcp-server/presence/s1/a/b/c"))
                .contains(new Wire.ServerRef("s1", "a/b/c"));
        assertThat(Wire.parseServerPresence("$mcp-server/presence/s1")).isEmpty();
        assertThat(Wire.parseServerPresence("$mcp-server/presence/s1/")).isEmpty();
        assertThat(Wire.parseServerPresence("$mcp-server/capability/s1/a")).isEmpty();
    }

    @Test
    void ids_must_not_contain_topic_separators_or_wildcards() {
        assertThat(Wire.isValidId("mcp-client-42")).isTrue();
        assertThat(Wire.isValidId("a/b")).isFalse();
        assertThat(Wire.isValidId("a+b")).isFalse();
        assertThat(Wire.isValidId("a#")).isFalse();
        assertThat(Wire.isValidId("")).isFalse();
        assertThat(Wire.isValidId(null)).isFalse();
        assertThatThrownBy(() -> Wire.requireValidId("x/y", "server-id"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("server-id");
    }

    @Test
    void server_names_are_hierarchical_without_wildcards() {
        assertThat(Wire.isValidServerName("web-ui-hardware-controller/camera")).isTrue();
        assertThat(Wire.isValidServerName("single")).isTrue();
        assertThat(Wire.isValidServerName("a/+/c")).isFalse();
        assertThat(Wire.isValidServerName("a/#")).isFalse();
        assertThat(Wire.isValidServerName("a//c")).isFalse();
        assertThat(Wire.isValidServerName("/a")).isFalse();
        assertThat(Wire.isValidServerName("a/")).isFalse();
    }

    @Test
    void server_name_filters_are_mqtt_topic_filters() {
        assertThat(Wire.isValidServerNameFilter("#")).isTrue();
        assertThat(Wire.isValidServerNameFilter("web-ui-hardware-controller/#")).isTrue();
        assertThat(Wire.isValidServerNameFilter("+/camera")).isTrue();
        assertThat(Wire.isValidServerNameFilter("a/+/c")).isTrue();
        assertThat(Wire.isValidServerNameFilter("a/#/c")).isFalse();
        assertThat(Wire.isValidServerNameFilter("a/b#")).isFalse();
        assertThat(Wire.isValidServerNameFilter("a/b+")).isFalse();
        assertThat(Wire.isValidServerNameFilter("")).isFalse();
    }

    @Test
    void server_names_match_filters_as_mqtt_topics_do() {
        assertThat(Wire.matchesFilter("#", "a/b")).isTrue();
        assertThat(Wire.matchesFilter("a/#", "a/b/c")).isTrue();
        assertThat(Wire.matchesFilter("a/#", "a")).isTrue();
        assertThat(Wire.matchesFilter("a/#", "b/a")).isFalse();
        assertThat(Wire.matchesFilter("+/camera", "lab/camera")).isTrue();
        assertThat(Wire.matchesFilter("+/camera", "lab/camera/x")).isFalse();
        assertThat(Wire.matchesFilter("a/b", "a/b")).isTrue();
        assertThat(Wire.matchesFilter("a/b", "a")).isFalse();
        assertThat(Wire.matchesFilter("a/+", "a")).isFalse();
    }
}
