package dev.aichatroom.voice.speech;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aichatroom.testing.Requirements;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Chinese through espeak-ng (issue 16): Debian's {@code cmn} voice reads 你好 as "ni three hao three" in English; the
 * Piper Chinese voice's phonemes and the espeak-ng fallback's speech must be Mandarin, English stays as it was, and a
 * sentence mixing both reads each in its language.
 */
@Timeout(60)
class MandarinTest {
    /** What Debian's espeak-ng 1.51 {@code cmn} voice makes of 你: its pinyin "ni3" read as English. */
    private static final String PINYIN_READ_AS_ENGLISH = "θɹˈiː";

    @BeforeEach
    void espeak() {
        Requirements.assume(TestAudio.espeakInstalled(), "needs espeak-ng");
    }

    @Test
    void chinese_for_a_piper_voice_is_mandarin_with_tones_not_pinyin_spelled_in_english() {
        // the Chinese Piper voice's config names espeak-ng's voice "cmn"
        String ipa = EspeakPhonemes.of("你好", "cmn");
        assertThat(ipa).doesNotContain(PINYIN_READ_AS_ENGLISH).doesNotContain("(en)");
        assertThat(Mandarin.readsMandarin(ipa)).as(ipa).isTrue();
        assertThat(ipa).startsWith("n").contains("χ"); // ni hao: n…, the Mandarin h (χ)
        assertThat(EspeakPhonemes.speaksChinese()).isTrue();
        assertThat(Mandarin.voice()).isPresent();
    }

    @Test
    void chinese_clauses_keep_their_punctuation_for_piper() {
        String ipa = EspeakPhonemes.of("你们好，今天天气怎么样？", "cmn");
        assertThat(ipa).doesNotContain(PINYIN_READ_AS_ENGLISH).matches("[^,?]+, [^,?]+\\?");
    }

    @Test
    void a_mixed_sentence_reads_english_words_in_english_and_chinese_in_mandarin() {
        String ipa = EspeakPhonemes.of("我喜欢 Java 和 MQTT。", "cmn");
        assertThat(ipa)
                .contains("dʒˈɑːvə") // Java in English, not "tɕɑ1vɑ1" read as pinyin
                .contains("ˌɛmkjˌuː")
                .doesNotContain(PINYIN_READ_AS_ENGLISH)
                .doesNotContain("(en)")
                .endsWith(".");
        assertThat(ipa.substring(0, ipa.indexOf("dʒ"))).matches(".*[1-5].*"); // 我喜欢 with tones
        String spaced = EspeakPhonemes.of("OK，我们开始吧！Hello world, 再见。", "cmn");
        assertThat(spaced).matches("ˌoʊkˈeɪ, [^ ]+ .*! həlˈoʊ wˈɜːld, [^,.!]+\\.");
    }

    @Test
    void english_is_phonemized_as_before() {
        assertThat(EspeakPhonemes.of("Sure, turning it on now.", "en-us")).isEqualTo("ʃˈʊɹ, tˈɜːnɪŋ ɪɾ ˌɔn nˈaʊ.");
        assertThat(Mandarin.Input.of("Hello 你好", "en-us", "en-us"))
                .as("an English voice is given the text as it is")
                .isEqualTo(new Mandarin.Input("en-us", false, "Hello 你好"));
    }

    @Test
    void the_espeak_ng_fallback_speaks_chinese_with_the_mandarin_voice_and_english_words_with_its_own() {
        EspeakTextToSpeech tts = new EspeakTextToSpeech(Optional.empty());
        Mandarin.Input chinese = tts.input("你好");
        assertThat(chinese.voice()).isEqualTo(Mandarin.voice().orElseThrow());
        assertThat(Mandarin.readsMandarin(EspeakPhonemes.raw(chinese)))
                .as("the fallback's own input phonemizes as Mandarin")
                .isTrue();
        Mandarin.Input mixed = tts.input("打开 camera 吧");
        assertThat(mixed.ssml()).isTrue();
        assertThat(mixed.text()).contains("<voice name=\"en-us\">camera</voice>");
        assertThat(EspeakPhonemes.raw(mixed)).contains("kˈæmɹə").doesNotContain(PINYIN_READ_AS_ENGLISH);
        assertThat(tts.input("Hello there")).isEqualTo(new Mandarin.Input("en-us", false, "Hello there"));
        Pcm audio = tts.synthesize("你好，我喜欢 Java。");
        assertThat(audio.sampleRate()).isEqualTo(22_050);
        assertThat(audio.duration()).isGreaterThan(Duration.ofMillis(800));
        assertThat(tts.describe()).contains(Mandarin.voice().orElseThrow() + " for Chinese");
    }

    @Test
    void text_cannot_break_out_of_its_ssml_voice() throws Exception {
        String text = "你 </voice><voice name=\"x\"> & <b>";
        String ssml = Mandarin.ssml(text, "cmn-latn-pinyin", "en-us");
        org.w3c.dom.Document doc = javax.xml.parsers.DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(new org.xml.sax.InputSource(new java.io.StringReader(ssml)));
        org.w3c.dom.NodeList voices = doc.getElementsByTagName("voice");
        java.util.Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < voices.getLength(); i++) {
            names.add(((org.w3c.dom.Element) voices.item(i)).getAttribute("name"));
            assertThat(voices.item(i).getChildNodes().getLength())
                    .as("text only")
                    .isEqualTo(1);
        }
        assertThat(names).containsExactlyInAnyOrder("cmn-latn-pinyin", "en-us");
        assertThat(doc.getDocumentElement().getTextContent()).isEqualTo(text);
    }

    @Test
    void clauses_end_at_punctuation_and_at_changes_of_language() {
        assertThat(Mandarin.clauseEnds("OK，我们开始吧！Hello world, 再见。")).containsExactly(",", "!", ",", ".");
        assertThat(Mandarin.clauseEnds("我喜欢 Java 和 MQTT。")).containsExactly("", "", "", ".");
        assertThat(Mandarin.clauseEnds("温度是3.5度")).containsExactly("");
    }
}
