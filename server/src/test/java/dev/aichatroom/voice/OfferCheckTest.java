package dev.aichatroom.voice;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Forged offers are refused by their shape before anything native is made (decision 0012). */
class OfferCheckTest {
    /** A Chromium offer with audio, video (the voice page's camera) and a data channel, bundled. */
    static final String BROWSER = resource("/voice/chromium-offer.sdp");

    static String resource(String name) {
        try (InputStream in = OfferCheckTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The header of {@code sdp}, then its first (audio) section {@code n} times with new mids, without BUNDLE. */
    static String manyAudioSections(String sdp, int n, boolean bundled) {
        String header = sdp.substring(0, sdp.indexOf("m=audio"));
        String audio = sdp.substring(sdp.indexOf("m=audio"), sdp.indexOf("m=video"));
        String mids = IntStream.range(0, n).mapToObj(Integer::toString).collect(Collectors.joining(" "));
        String head = header.replaceAll("a=group:BUNDLE[^\r\n]*", bundled ? "a=group:BUNDLE " + mids : "a=x-none");
        return head
                + IntStream.range(0, n)
                        .mapToObj(i -> audio.replace("a=mid:0", "a=mid:" + i))
                        .collect(Collectors.joining());
    }

    @Test
    void a_browsers_bundled_offer_with_audio_video_and_a_data_channel_is_accepted() {
        assertThat(OfferCheck.problem(BROWSER)).isEmpty();
        String audioOnly = BROWSER.substring(0, BROWSER.indexOf("m=video")).replace("a=group:BUNDLE 0 1 2", "");
        assertThat(OfferCheck.problem(audioOnly)).isEmpty();
    }

    @Test
    void four_hundred_and_eighty_audio_sections_are_refused_bundled_or_not() {
        assertThat(OfferCheck.problem(manyAudioSections(BROWSER, 480, false))).isPresent(); // 250 kB
        assertThat(OfferCheck.problem(manyAudioSections(BROWSER, 20, false)))
                .hasValueSatisfying(
                        r -> assertThat(r).contains("20 media sections").contains("at most 3"));
        assertThat(OfferCheck.problem(manyAudioSections(BROWSER, 2, true)))
                .hasValueSatisfying(r -> assertThat(r).contains("2 audio"));
    }

    @Test
    void sections_on_separate_transports_are_refused() {
        assertThat(OfferCheck.problem(BROWSER.replace("a=group:BUNDLE 0 1 2", "a=group:BUNDLE 0 1")))
                .hasValueSatisfying(r -> assertThat(r).contains("one transport"));
        assertThat(OfferCheck.problem(BROWSER.replace("a=group:BUNDLE 0 1 2\r\n", "")))
                .hasValueSatisfying(r -> assertThat(r).contains("a=group:BUNDLE"));
        assertThat(OfferCheck.problem(
                        BROWSER.replace("a=group:BUNDLE 0 1 2", "a=group:BUNDLE 0 1\r\na=group:BUNDLE 2")))
                .isPresent();
        String unmuxed = BROWSER.replaceFirst("a=rtcp-mux\r\n", "");
        assertThat(OfferCheck.problem(unmuxed))
                .hasValueSatisfying(r -> assertThat(r).contains("a=rtcp-mux"));
    }

    @Test
    void no_audio_other_media_too_many_candidates_or_a_huge_offer_are_refused() {
        String videoOnly = "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\na=rtcp-mux\r\n";
        assertThat(OfferCheck.problem(videoOnly)).hasValue("the offer has no audio (m=audio)");
        assertThat(OfferCheck.problem(BROWSER.replace("m=application 9 UDP/DTLS/SCTP", "m=text 9 UDP/DTLS/SCTP")))
                .hasValueSatisfying(r -> assertThat(r).contains("1 other"));
        String candidates = IntStream.range(0, 33)
                .mapToObj(i -> "a=candidate:" + i + " 1 udp 2122260223 10.0.0.1 " + (40000 + i) + " typ host\r\n")
                .collect(Collectors.joining());
        assertThat(OfferCheck.problem(BROWSER.replace("a=mid:0\r\n", "a=mid:0\r\n" + candidates)))
                .hasValueSatisfying(r -> assertThat(r).contains("33 candidates"));
        assertThat(OfferCheck.problem(BROWSER + "a=x:" + "y".repeat(OfferCheck.MAX_SDP_CHARS) + "\r\n"))
                .hasValueSatisfying(r -> assertThat(r).contains("longer than"));
    }

    @Test
    void descriptors_are_short_when_less_than_a_quarter_of_the_limit_is_free() {
        assertThat(Descriptors.shortage(100, 20_000)).isEmpty();
        assertThat(Descriptors.shortage(15_001, 20_000)).isPresent();
        assertThat(Descriptors.shortage(800, 1024)).isPresent();
        assertThat(Descriptors.open()).isPresent();
        assertThat(Descriptors.limit()).isPresent();
    }
}
