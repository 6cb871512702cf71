package dev.aichatroom.logging;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogTextTest {
    @Test
    void line_breaks_and_control_and_bidi_characters_are_escaped() {
        assertThat(LogText.escape("a\r\n12:00:00.000 INFO  [main] Main - forged"))
                .isEqualTo("a\\u000D\\u000A12:00:00.000 INFO  [main] Main - forged");
        assertThat(LogText.escape("\u0000\u001b[2J\u007f\u0085\u2028\u2029\u202e\u2066"))
                .isEqualTo("\\u0000\\u001B[2J\\u007F\\u0085\\u2028\\u2029\\u202E\\u2066");
        assertThat(LogText.escape("tab\there")).isEqualTo("tab\\u0009here");
    }

    @Test
    void ordinary_text_is_left_as_it_is() {
        String text = "MQTT client 'web_ab12cd34_x9' joined: 张三 🦀 path C:\\data";
        assertThat(LogText.escape(text)).isSameAs(text);
        assertThat(LogText.escape(null)).isEqualTo("null");
    }
}
