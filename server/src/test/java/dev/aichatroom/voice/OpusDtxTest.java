package dev.aichatroom.voice;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OpusDtxTest {
    @Test
    void asks_for_dtx_on_the_opus_fmtp_line_and_leaves_the_rest_of_the_answer_alone() {
        String answer = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111 63\r\na=rtpmap:111 opus/48000/2\r\n"
                + "a=fmtp:111 minptime=10;useinbandfec=1\r\na=rtpmap:63 red/48000/2\r\na=fmtp:63 111/111\r\n";
        assertThat(OpusDtx.request(answer))
                .isEqualTo("v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111 63\r\na=rtpmap:111 opus/48000/2\r\n"
                        + "a=fmtp:111 minptime=10;useinbandfec=1;usedtx=1\r\na=rtpmap:63 red/48000/2\r\n"
                        + "a=fmtp:63 111/111\r\n");
    }

    @Test
    void adds_an_fmtp_line_where_opus_has_none_and_keeps_a_usedtx_the_answer_already_has() {
        assertThat(OpusDtx.request("m=audio 9 RTP/SAVPF 96\na=rtpmap:96 opus/48000/2\na=sendrecv\n"))
                .isEqualTo("m=audio 9 RTP/SAVPF 96\na=rtpmap:96 opus/48000/2\na=fmtp:96 usedtx=1\na=sendrecv\n");
        String off = "a=rtpmap:111 opus/48000/2\r\na=fmtp:111 usedtx=0\r\n";
        assertThat(OpusDtx.request(off)).isEqualTo(off);
        String noOpus = "m=audio 9 RTP/SAVPF 0\r\na=rtpmap:0 PCMU/8000\r\n";
        assertThat(OpusDtx.request(noOpus)).isEqualTo(noOpus);
    }
}
