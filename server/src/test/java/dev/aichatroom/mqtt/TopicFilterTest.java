package dev.aichatroom.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TopicFilterTest {
    @Test
    void filters_match_topics_level_by_level() {
        assertThat(TopicFilter.matches("chatroom/+/messages/in", "chatroom/r1/messages/in"))
                .isTrue();
        assertThat(TopicFilter.matches("chatroom/+/messages/in", "chatroom/messages/in"))
                .isFalse();
        assertThat(TopicFilter.matches("$share/g/chatroom/#", "chatroom/r1/users/join"))
                .isTrue();
        assertThat(TopicFilter.matches("a/b", "a/b/c")).isFalse();
    }

    @Test
    void a_level_is_a_non_empty_name_without_separator_or_wildcard() {
        assertThat(TopicFilter.isLevel("ai-chatroom-1")).isTrue();
        assertThat(TopicFilter.isLevel("设备_7")).isTrue();
        assertThat(TopicFilter.isLevel("")).isFalse();
        assertThat(TopicFilter.isLevel("a/b")).isFalse();
        assertThat(TopicFilter.isLevel("a+")).isFalse();
        assertThat(TopicFilter.isLevel("#")).isFalse();
    }
}
