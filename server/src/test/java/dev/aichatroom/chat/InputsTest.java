package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aichatroom.chat.Rejection.Code;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class InputsTest {
    private static final ChatConfig LIMITS = ChatConfig.defaults();

    private static Inputs.Result parse(Topics.Input input, String json) {
        return Inputs.parse(input, json.getBytes(StandardCharsets.UTF_8), LIMITS);
    }

    private static Code refusal(Inputs.Result r) {
        assertThat(r).isInstanceOf(Inputs.Refused.class);
        return ((Inputs.Refused) r).rejection().code();
    }

    @Test
    void a_seed_message_parses_and_unknown_fields_are_ignored() {
        var r = parse(
                Topics.Input.MESSAGE,
                "{\"client_id\":\"c1\",\"username\":\"张三\",\"message\":\"你好\",\"extra\":{\"a\":1}}");
        assertThat(r)
                .isEqualTo(new Inputs.Message(
                        "c1", java.util.Optional.of("张三"), "你好", "mqtt", java.util.Optional.empty()));
    }

    @Test
    void a_client_cannot_mark_its_message_as_a_voice_turn() {
        assertThat(parse(
                        Topics.Input.MESSAGE,
                        "{\"client_id\":\"c\",\"username\":\"u\",\"message\":\"@AI hi\",\"source\":\"voice\"}"))
                .isEqualTo(new Inputs.Message(
                        "c", java.util.Optional.of("u"), "@AI hi", "mqtt", java.util.Optional.empty()));
        assertThat(parse(
                        Topics.Input.MESSAGE,
                        "{\"client_id\":\"c\",\"username\":\"u\",\"message\":\"m\",\"source\":\"web\"}"))
                .isInstanceOfSatisfying(
                        Inputs.Message.class, m -> assertThat(m.source()).isEqualTo("web"));
    }

    @Test
    void each_field_absent_or_null_is_handled() {
        assertThat(refusal(parse(Topics.Input.MESSAGE, "{\"username\":\"u\",\"message\":\"m\"}")))
                .isEqualTo(Code.MISSING_FIELD);
        assertThat(refusal(parse(Topics.Input.MESSAGE, "{\"client_id\":null,\"username\":\"u\",\"message\":\"m\"}")))
                .isEqualTo(Code.MISSING_FIELD);
        assertThat(parse(Topics.Input.MESSAGE, "{\"client_id\":\"c\",\"username\":null,\"message\":\"m\"}"))
                .isInstanceOf(Inputs.Message.class);
        assertThat(refusal(parse(Topics.Input.MESSAGE, "{\"client_id\":\"c\",\"username\":\"u\"}")))
                .isEqualTo(Code.EMPTY_MESSAGE);
        assertThat(refusal(parse(Topics.Input.MESSAGE, "{\"client_id\":\"c\",\"username\":\"u\",\"message\":null}")))
                .isEqualTo(Code.EMPTY_MESSAGE);
        assertThat(refusal(parse(Topics.Input.JOIN, "{\"client_id\":\"c\"}"))).isEqualTo(Code.MISSING_FIELD);
        assertThat(parse(Topics.Input.LEAVE, "{\"client_id\":\"c\"}")).isEqualTo(new Inputs.Leave("c"));
    }

    @Test
    void non_json_and_non_objects_are_refused() {
        assertThat(refusal(parse(Topics.Input.MESSAGE, "hello"))).isEqualTo(Code.INVALID_JSON);
        assertThat(refusal(parse(Topics.Input.MESSAGE, "[1,2]"))).isEqualTo(Code.INVALID_JSON);
        assertThat(refusal(parse(Topics.Input.MESSAGE, ""))).isEqualTo(Code.INVALID_JSON);
    }

    @Test
    void a_refusal_names_the_input_by_its_message_id() {
        var r = parse(
                Topics.Input.MESSAGE,
                "{\"client_id\":\"c\",\"username\":\"u\",\"message\":\" \",\"message_id\":\"m-1\"}");
        assertThat(r).isInstanceOfSatisfying(Inputs.Refused.class, f -> {
            assertThat(f.rejection().code()).isEqualTo(Code.EMPTY_MESSAGE);
            assertThat(f.rejection().messageId()).contains("m-1");
        });
    }

    @Test
    void limits_count_characters_not_utf16_units() {
        String emoji = "😀".repeat(32);
        assertThat(parse(
                        Topics.Input.MESSAGE, "{\"client_id\":\"c\",\"username\":\"" + emoji + "\",\"message\":\"m\"}"))
                .isInstanceOf(Inputs.Message.class);
        assertThat(refusal(parse(
                        Topics.Input.MESSAGE,
                        "{\"client_id\":\"c\",\"username\":\"" + emoji + "😀\",\"message\":\"m\"}")))
                .isEqualTo(Code.TOO_LARGE);
    }

    @Test
    void limits_are_enforced() {
        assertThat(refusal(parse(
                        Topics.Input.MESSAGE,
                        "{\"client_id\":\"c\",\"username\":\"" + "u".repeat(33) + "\",\"message\":\"m\"}")))
                .isEqualTo(Code.TOO_LARGE);
        assertThat(refusal(parse(
                        Topics.Input.MESSAGE,
                        "{\"client_id\":\"" + "c".repeat(129) + "\",\"username\":\"u\",\"message\":\"m\"}")))
                .isEqualTo(Code.MISSING_FIELD);
        assertThat(parse(
                        Topics.Input.MESSAGE,
                        "{\"client_id\":\"c\",\"username\":\"u\",\"message\":\"" + "字".repeat(4000) + "\"}"))
                .isInstanceOf(Inputs.Message.class);
        byte[] huge =
                ("{\"client_id\":\"c\",\"message\":\"" + "x".repeat(70_000) + "\"}").getBytes(StandardCharsets.UTF_8);
        assertThat(refusal(Inputs.parse(Topics.Input.MESSAGE, huge, LIMITS))).isEqualTo(Code.TOO_LARGE);
        assertThat(refusal(parse(Topics.Input.MESSAGE, "{\"client_id\":\"a/b\",\"username\":\"u\",\"message\":\"m\"}")))
                .isEqualTo(Code.MISSING_FIELD);
    }

    @Test
    void the_refusal_names_who_to_answer_when_known() {
        var r = (Inputs.Refused)
                parse(Topics.Input.MESSAGE, "{\"client_id\":\"c9\",\"username\":\"u\",\"message\":\"\"}");
        assertThat(r.replyTo()).contains("c9");
        assertThat(((Inputs.Refused) parse(Topics.Input.MESSAGE, "nope")).replyTo())
                .isEmpty();
    }
}
