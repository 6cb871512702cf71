package dev.aichatroom.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClientIdRulesTest {
    @Test
    void by_default_an_account_owns_its_name_and_ids_that_continue_it_with_a_dash_or_underscore() {
        ClientIdRules rules = ClientIdRules.DEFAULTS;
        assertThat(rules.owns("device1", "device1")).isTrue();
        assertThat(rules.owns("device1", "device1-kitchen")).isTrue();
        assertThat(rules.owns("device1", "device1_2")).isTrue();
        assertThat(rules.owns("device1", "device10")).isFalse();
        assertThat(rules.owns("device1", "alice")).isFalse();
        assertThat(rules.owns("device1", "xdevice1")).isFalse();
    }

    @Test
    void patterns_take_the_username_literally_and_star_as_any_run() {
        assertThat(ClientIdRules.matches("%u-*", "a.b", "a.b-1")).isTrue();
        assertThat(ClientIdRules.matches("%u-*", "a.b", "axb-1"))
                .as("'.' is no regex")
                .isFalse();
        assertThat(ClientIdRules.matches("sensor-*-%u", "lab", "sensor-7-lab")).isTrue();
        assertThat(ClientIdRules.matches("sensor-*-%u", "lab", "sensor-7-lab2")).isFalse();
        assertThat(ClientIdRules.matches("100%", "u", "100%")).isTrue();
        assertThat(ClientIdRules.matches("*", "u", "anything")).isTrue();
    }

    @Test
    void an_account_with_its_own_patterns_owns_only_those_and_others_see_the_owner() {
        ClientIdRules rules = new ClientIdRules(ClientIdRules.DEFAULT, Map.of("kitchen", List.of("speaker-*")));
        assertThat(rules.owns("kitchen", "speaker-1")).isTrue();
        assertThat(rules.owns("kitchen", "kitchen")).isFalse();
        assertThat(rules.ownerAmong(List.of("alice", "kitchen"), "speaker-9")).contains("kitchen");
        assertThat(rules.ownerAmong(List.of("alice", "kitchen"), "alice-phone")).contains("alice");
        assertThat(rules.ownerAmong(List.of("alice", "kitchen"), "web_abcdefgh_1234"))
                .isEmpty();
        assertThatThrownBy(() -> new ClientIdRules(List.of("a/#"), Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @org.junit.jupiter.api.Test
    void two_patterns_overlap_when_some_client_id_matches_both() {
        assertThat(ClientIdRules.overlap("web_*", "web_*")).isTrue();
        assertThat(ClientIdRules.overlap("we*", "web_*")).isTrue();
        assertThat(ClientIdRules.overlap("*_abc", "web_*")).isTrue();
        assertThat(ClientIdRules.overlap("*", "voicemcp_*")).isTrue();
        assertThat(ClientIdRules.overlap("ai-*", "ai-chatroom-service*")).isTrue();
        assertThat(ClientIdRules.overlap("ai-chatroom-service", "ai-chatroom-service*"))
                .isTrue();
        assertThat(ClientIdRules.overlap("w*b_x", "*eb_*")).isTrue();
        assertThat(ClientIdRules.overlap("webcam", "web_*")).isFalse();
        assertThat(ClientIdRules.overlap("webcam-*", "web_*")).isFalse();
        assertThat(ClientIdRules.overlap("voice-*", "voice_*")).isFalse();
        assertThat(ClientIdRules.overlap("ai_*", "ai-chatroom-service*")).isFalse();
        assertThat(ClientIdRules.overlap("*-x", "web_*y")).isFalse();
        assertThat(ClientIdRules.overlap("", "*")).isTrue();
        assertThat(ClientIdRules.overlap("a", "")).isFalse();
    }

    @org.junit.jupiter.api.Test
    void the_pattern_that_owns_a_shape_is_named_with_the_username_put_in() {
        ClientIdRules rules = ClientIdRules.DEFAULTS;
        assertThat(rules.patternOwningSome("web", "web_*")).contains("%u_*");
        assertThat(rules.patternOwningSome("voicemcp", "voicemcp_*")).contains("%u_*");
        assertThat(rules.patternOwningSome("webcam", "web_*")).isEmpty();
        assertThat(rules.patternOwningSome("ai", "ai-chatroom-service*")).contains("%u-*");
    }
}
