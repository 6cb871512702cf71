package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aichatroom.chat.Rejection.Code;
import dev.aichatroom.mqtt.Json;
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
                .isEqualTo(Code.TOO_LARGE);
        assertThat(parse(
                        Topics.Input.MESSAGE,
                        "{\"client_id\":\"c\",\"username\":\"u\",\"message\":\"" + "字".repeat(4000) + "\"}"))
                .isInstanceOf(Inputs.Message.class);
        byte[] huge =
                ("{\"client_id\":\"c\",\"message\":\"" + "x".repeat(70_000) + "\"}").getBytes(StandardCharsets.UTF_8);
        assertThat(refusal(Inputs.parse(Topics.Input.MESSAGE, huge, LIMITS))).isEqualTo(Code.TOO_LARGE);
        assertThat(refusal(parse(Topics.Input.MESSAGE, "{\"client_id\":\"a/b\",\"username\":\"u\",\"message\":\"m\"}")))
                .isEqualTo(Code.INVALID_CLIENT_ID);
    }

    @Test
    void the_refusal_names_who_to_answer_when_known() {
        var r = (Inputs.Refused)
                parse(Topics.Input.MESSAGE, "{\"client_id\":\"c9\",\"username\":\"u\",\"message\":\"\"}");
        assertThat(r.replyTo()).contains("c9");
        assertThat(((Inputs.Refused) parse(Topics.Input.MESSAGE, "nope")).replyTo())
                .isEmpty();
    }

    private static Inputs.Result message(String clientId, String username, String text) {
        return parse(
                Topics.Input.MESSAGE,
                "{\"client_id\":" + Json.string(clientId) + ",\"username\":" + Json.string(username) + ",\"message\":"
                        + Json.string(text) + "}");
    }

    @Test
    void overlong_and_other_ill_formed_utf8_is_refused_not_decoded() {
        byte[] overlong =
                "{\"client_id\":\"c\",\"username\":\"u\",\"message\":\"overXXlong\"}".getBytes(StandardCharsets.UTF_8);
        int at = new String(overlong, StandardCharsets.ISO_8859_1).indexOf("XX");
        overlong[at] = (byte) 0xC0; // C0 AF: an overlong '/'
        overlong[at + 1] = (byte) 0xAF;
        assertThat(refusal(Inputs.parse(Topics.Input.MESSAGE, overlong, LIMITS)))
                .isEqualTo(Code.INVALID_ENCODING);
        byte[] encodedSurrogate = overlong.clone(); // ED A0 80: U+D800 encoded as if it were a character
        encodedSurrogate[at] = (byte) 0xED;
        encodedSurrogate[at + 1] = (byte) 0xA0;
        assertThat(refusal(Inputs.parse(Topics.Input.MESSAGE, encodedSurrogate, LIMITS)))
                .isEqualTo(Code.INVALID_ENCODING);
    }

    @Test
    void lone_surrogates_from_json_escapes_are_refused_in_every_field() {
        assertThat(refusal(parse(
                        Topics.Input.MESSAGE, "{\"client_id\":\"c\",\"username\":\"u\",\"message\":\"a\\ud800\"}")))
                .isEqualTo(Code.INVALID_ENCODING);
        assertThat(refusal(parse(
                        Topics.Input.MESSAGE, "{\"client_id\":\"c\",\"username\":\"\\udc00\",\"message\":\"m\"}")))
                .isEqualTo(Code.INVALID_ENCODING);
        var r = parse(Topics.Input.MESSAGE, "{\"client_id\":\"c\\ud800\",\"username\":\"u\",\"message\":\"m\"}");
        assertThat(refusal(r)).isEqualTo(Code.INVALID_ENCODING);
        assertThat(((Inputs.Refused) r).replyTo())
                .as("such an id cannot name a topic")
                .isEmpty();
        assertThat(message("c", "u", "a pair is fine: 😀")).isInstanceOf(Inputs.Message.class);
    }

    @Test
    void control_characters_are_refused_but_a_message_may_hold_newline_and_tab() {
        assertThat(message("c", "u", "line one\nline two\tend")).isInstanceOf(Inputs.Message.class);
        assertThat(refusal(message("c", "u", "nul\u0000"))).isEqualTo(Code.CONTROL_CHARACTER);
        assertThat(refusal(message("c", "u", "\u001b[31mred\u001b[0m"))).isEqualTo(Code.CONTROL_CHARACTER);
        assertThat(refusal(message("c", "u", "cr\r\nFAKE"))).isEqualTo(Code.CONTROL_CHARACTER);
        assertThat(refusal(message("c", "u", "c1\u0085"))).isEqualTo(Code.CONTROL_CHARACTER);
        assertThat(refusal(message("c", "u\nFAKE LOG LINE", "m"))).isEqualTo(Code.CONTROL_CHARACTER);
        assertThat(refusal(message("c", "u\tv", "m"))).isEqualTo(Code.CONTROL_CHARACTER);
        var r = message("c\r\nFAKE", "u", "m");
        assertThat(refusal(r)).isEqualTo(Code.CONTROL_CHARACTER);
        assertThat(((Inputs.Refused) r).replyTo()).isEmpty();
    }

    @Test
    void bidi_controls_are_refused_in_names_only() {
        assertThat(refusal(message("c", "evil\u202Egnp.exe", "m"))).isEqualTo(Code.BIDI_CONTROL);
        assertThat(refusal(message("c", "\u2066x\u2069", "m"))).isEqualTo(Code.BIDI_CONTROL);
        assertThat(refusal(message("c\u202Ax", "u", "m"))).isEqualTo(Code.BIDI_CONTROL);
        assertThat(message("c", "u", "quoting \u202Eabc in a message")).isInstanceOf(Inputs.Message.class);
    }

    @Test
    void a_message_of_only_invisible_or_space_characters_is_empty() {
        for (String blank : new String[] {
            "\u200B",
            "\u2060",
            "\u2800",
            "\u3000",
            "\uFEFF",
            "\u200B \u3000\u2800\uFEFF",
            "\u3164",
            "\u00A0\u2003",
            "\n\t"
        }) {
            assertThat(refusal(message("c", "u", blank)))
                    .as("%s", Json.string(blank))
                    .isEqualTo(Code.EMPTY_MESSAGE);
        }
        assertThat(message("c", "u", "\u200Bhi")).isInstanceOf(Inputs.Message.class);
        assertThat(refusal(parse(Topics.Input.JOIN, "{\"client_id\":\"c\",\"username\":\"\u200B\u3000\"}")))
                .as("an invisible name is no name")
                .isEqualTo(Code.MISSING_FIELD);
    }

    @Test
    void wildcards_and_separators_in_a_client_id_have_their_own_code() {
        for (String id : new String[] {"a/b", "a+", "#"}) {
            assertThat(refusal(message(id, "u", "m"))).isEqualTo(Code.INVALID_CLIENT_ID);
        }
    }

    @Test
    void a_username_that_is_or_looks_like_the_assistant_or_the_system_is_reserved() {
        var join = parse(Topics.Input.JOIN, "{\"client_id\":\"c\",\"username\":\"ЅҮЅТЕМ\"}");
        assertThat(join).isInstanceOfSatisfying(Inputs.Refused.class, r -> {
            assertThat(r.rejection().code()).isEqualTo(Code.RESERVED_NAME);
            assertThat(r.rejection().message()).contains("'system'");
            assertThat(r.replyTo()).contains("c");
        });
        assertThat(refusal(parse(
                        Topics.Input.MESSAGE, "{\"client_id\":\"c\",\"username\":\"智能\u200b助手\",\"message\":\"hi\"}")))
                .isEqualTo(Code.RESERVED_NAME);
        assertThat(parse(Topics.Input.JOIN, "{\"client_id\":\"c\",\"username\":\"Alice\"}"))
                .isInstanceOf(Inputs.Join.class);
    }
}
