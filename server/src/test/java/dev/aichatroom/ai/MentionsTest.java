package dev.aichatroom.ai;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MentionsTest {
    private final Mentions mentions = new Mentions("小智");

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "@AI 你好|你好",
                "@ai what is MQTT?|what is MQTT?",
                "@AI助手 讲个笑话|讲个笑话",
                "@智能助手，今天几号？|今天几号？",
                "@助手你好|你好",
                "@小智 帮我看看|帮我看看",
                "请问 @AI 这是什么|请问 这是什么",
                "what do you think @AI?|what do you think ?",
                "＠AI 全角也行|全角也行",
                "@Ai: hello|hello",
            })
    void finds_a_mention_anywhere_and_removes_it(String text, String question) {
        assertThat(mentions.strip(text)).contains(question);
    }

    @ParameterizedTest
    @ValueSource(strings = {"hello everyone", "mail me at x@ai.com", "@AIR is not the assistant", "@aim high", "AI 你好"})
    void text_without_a_mention_is_not_for_the_assistant(String text) {
        assertThat(mentions.strip(text)).isEmpty();
        assertThat(mentions.mentions(text)).isFalse();
    }

    @Test
    void a_bare_mention_leaves_an_empty_question() {
        assertThat(mentions.strip("@AI")).contains("");
    }

    @Test
    void every_mention_in_the_text_is_removed() {
        assertThat(mentions.strip("@AI @助手 two mentions")).contains("two mentions");
    }
}
