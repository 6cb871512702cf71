package dev.aichatroom.broker.artemis;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OutputDuplicatesTest {
    private static String idOf(String json) {
        return OutputDuplicates.idOf(json.getBytes(StandardCharsets.UTF_8), "message_id");
    }

    @Test
    void the_top_level_field_names_the_output() {
        assertThat(idOf("{\"type\":\"user_message\",\"message_id\":\"abc\",\"room\":\"r\"}"))
                .isEqualTo("abc");
    }

    @Test
    void text_and_nested_objects_that_look_like_an_id_are_not_taken() {
        assertThat(idOf("{\"content\":\"\\\"message_id\\\":\\\"x\\\"\",\"a\":{\"message_id\":\"y\"},"
                        + "\"b\":[{\"message_id\":\"z\"}],\"message_id\":\"real\"}"))
                .isEqualTo("real");
        assertThat(idOf("{\"content\":\"\\\"message_id\\\":\\\"x\\\"\",\"a\":{\"message_id\":\"y\"}}"))
                .isNull();
    }

    @Test
    void anything_but_an_object_with_a_string_id_names_nothing() {
        assertThat(idOf("[\"message_id\",\"x\"]")).isNull();
        assertThat(idOf("{\"message_id\":42}")).isNull();
        assertThat(idOf("not json")).isNull();
        assertThat(idOf("{\"message_id\":\"x\"")).isEqualTo("x"); // read up to the id only
        assertThat(idOf("")).isNull();
    }

    @Test
    void text_for_the_log_keeps_no_line_breaks_or_markup() {
        assertThat(OutputDuplicates.safe("a\nFAKE 12:00 INFO x")).isEqualTo("a?FAKE?12:00?INFO?x");
        assertThat(OutputDuplicates.safe(null)).isEqualTo("?");
        assertThat(OutputDuplicates.safe("x".repeat(100))).hasSize(65);
    }
}
