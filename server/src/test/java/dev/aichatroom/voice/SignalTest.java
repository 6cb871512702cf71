package dev.aichatroom.voice;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SignalTest {
    private static Signal parse(String json) {
        return Signal.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void reads_an_offer_as_an_object_or_a_bare_string_and_ignores_unknown_fields() {
        assertThat(parse("{\"type\":\"sdp_offer\",\"data\":{\"type\":\"offer\",\"sdp\":\"v=0\"},\"x\":1}"))
                .isEqualTo(new Signal.Offer("v=0"));
        assertThat(parse("{\"type\":\"sdp_offer\",\"data\":\"v=0\"}")).isEqualTo(new Signal.Offer("v=0"));
    }

    @Test
    void refuses_offers_without_sdp_or_of_another_type() {
        assertThat(parse("{\"type\":\"sdp_offer\",\"data\":{\"type\":\"offer\"}}"))
                .isInstanceOf(Signal.Invalid.class);
        assertThat(parse("{\"type\":\"sdp_offer\",\"data\":null}")).isInstanceOf(Signal.Invalid.class);
        assertThat(parse("{\"type\":\"sdp_offer\",\"data\":{\"type\":\"answer\",\"sdp\":\"v=0\"}}"))
                .isEqualTo(new Signal.Invalid("sdp_offer carries a description of type 'answer', not offer"));
    }

    @Test
    void knows_which_offer_a_candidate_belongs_to_by_its_ice_username_fragment() {
        assertThat(new Signal.Offer("v=0\r\nm=audio 9 x 111\r\na=ice-ufrag:Ab+1\r\nm=video 9 x 96\r\n"
                                + "a=ice-ufrag:Ab+1\r\n")
                        .iceUfrags())
                .containsExactly("Ab+1");
        assertThat(new Signal.Offer("v=0\r\nm=audio 9 x 111\r\n").iceUfrags()).isEmpty();
        assertThat(new Signal.Candidate(
                                "candidate:1 1 udp 1 10.0.0.1 9 typ host", Optional.of("0"), 0, Optional.of("u"))
                        .ufrag())
                .contains("u");
        assertThat(new Signal.Candidate(
                                "candidate:1 1 udp 1 10.0.0.1 9 typ host generation 0 ufrag Xy12 network-id 1",
                                Optional.of("0"),
                                0,
                                Optional.empty())
                        .ufrag())
                .contains("Xy12");
        assertThat(new Signal.Candidate("", Optional.of("0"), 0, Optional.empty()).ufrag())
                .isEmpty();
    }

    @Test
    void reads_text_from_a_device_message_and_nothing_else() {
        java.util.function.Function<String, Optional<Signal>> message =
                json -> Signal.parseMessage(json.getBytes(StandardCharsets.UTF_8));
        assertThat(message.apply("{\"type\":\"message\",\"payload\":\" hi \"}")).contains(new Signal.Chat("hi"));
        assertThat(message.apply("{\"type\":\"message\",\"payload\":{\"type\":\"chat\",\"text\":\"hi\"}}"))
                .contains(new Signal.Chat("hi"));
        assertThat(message.apply("{\"type\":\"message\",\"payload\":{\"type\":\"loading\"}}"))
                .isEmpty();
        assertThat(message.apply("{\"type\":\"message\",\"payload\":\"  \"}")).isEmpty();
        assertThat(message.apply("{\"type\":\"chat\",\"data\":\"hi\"}")).isEmpty();
        assertThat(message.apply("[1]")).isEmpty();
    }

    @Test
    void reads_candidates_with_absent_null_and_present_fields() {
        assertThat(parse("{\"type\":\"ice_candidate\",\"data\":{\"candidate\":\"candidate:1 1 udp 1 10.0.0.1 9 typ"
                        + " host\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0,\"usernameFragment\":\"abc\"}}"))
                .isEqualTo(new Signal.Candidate(
                        "candidate:1 1 udp 1 10.0.0.1 9 typ host", Optional.of("0"), 0, Optional.of("abc")));
        assertThat(parse("{\"type\":\"ice_candidate\",\"data\":{\"candidate\":\"\",\"sdpMid\":null,"
                        + "\"sdpMLineIndex\":1,\"usernameFragment\":null}}"))
                .isEqualTo(new Signal.Candidate("", Optional.empty(), 1, Optional.empty()));
        assertThat(parse("{\"type\":\"ice_candidate\",\"data\":{\"candidate\":\"c\"}}"))
                .isInstanceOf(Signal.Invalid.class);
        assertThat(parse("{\"type\":\"ice_candidate\",\"data\":{\"candidate\":5,\"sdpMid\":\"0\"}}"))
                .isInstanceOf(Signal.Invalid.class);
    }

    @Test
    void reads_chat_and_hangup() {
        assertThat(parse("{\"type\":\"chat\",\"data\":\" 你好 \"}")).isEqualTo(new Signal.Chat("你好"));
        assertThat(parse("{\"type\":\"chat\",\"data\":\"\"}")).isInstanceOf(Signal.Invalid.class);
        assertThat(parse("{\"type\":\"webrtc_terminated\"}")).isEqualTo(new Signal.Hangup());
    }

    @Test
    void turns_garbage_into_a_reason() {
        assertThat(parse("not json")).isEqualTo(new Signal.Invalid("not a JSON object"));
        assertThat(parse("[1,2]")).isEqualTo(new Signal.Invalid("not a JSON object"));
        assertThat(parse("{}")).isEqualTo(new Signal.Invalid("missing type"));
        assertThat(parse("{\"type\":\"sdp_answer\"}")).isEqualTo(new Signal.Invalid("unsupported type 'sdp_answer'"));
        assertThat(Signal.parse(new byte[Signal.MAX_BYTES + 1])).isInstanceOf(Signal.Invalid.class);
    }

    @Test
    void writes_the_wire_shapes_of_the_protocol() {
        assertThat(new String(Wire.bytes(new Wire.SdpAnswer("v=0")), StandardCharsets.UTF_8))
                .isEqualTo("{\"type\":\"sdp_answer\",\"data\":{\"type\":\"answer\",\"sdp\":\"v=0\"}}");
        assertThat(new String(
                        Wire.bytes(new Wire.IceCandidate(new Wire.CandidateData("c", "0", 0, Optional.of("u")))),
                        StandardCharsets.UTF_8))
                .isEqualTo("{\"type\":\"ice_candidate\",\"data\":{\"candidate\":\"c\",\"sdpMid\":\"0\","
                        + "\"sdpMLineIndex\":0,\"usernameFragment\":\"u\"}}");
        assertThat(new String(Wire.bytes(new Wire.Terminated("why")), StandardCharsets.UTF_8))
                .isEqualTo("{\"type\":\"webrtc_terminated\",\"reason\":\"why\"}");
        assertThat(new String(Wire.bytes(new Wire.AsrResponse("开灯")), StandardCharsets.UTF_8))
                .isEqualTo("{\"type\":\"asr_response\",\"format\":\"merged\",\"results\":\"开灯\"}");
        assertThat(new String(Wire.bytes(new Wire.TtsText("t", "hi")), StandardCharsets.UTF_8))
                .isEqualTo("{\"type\":\"tts_text\",\"task_id\":\"t\",\"text\":\"hi\"}");
        assertThat(new String(Wire.bytes(Wire.ttsTerminate("t")), StandardCharsets.UTF_8))
                .isEqualTo("{\"type\":\"tts_terminate\",\"task_id\":\"t\"}");
        assertThat(new String(Wire.bytes(new Wire.Loading(true)), StandardCharsets.UTF_8))
                .isEqualTo("{\"type\":\"message\",\"payload\":{\"type\":\"loading\",\"status\":\"processing\"}}");
    }

    @Test
    void reads_device_ids_from_topics() {
        assertThat(VoiceTopics.deviceOf("$webrtc/abc/multimedia_proxy")).contains("abc");
        assertThat(VoiceTopics.deviceOf("$webrtc/a/b/multimedia_proxy")).isEmpty();
        assertThat(VoiceTopics.deviceOf("$webrtc/abc")).isEmpty();
    }
}
