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
}
