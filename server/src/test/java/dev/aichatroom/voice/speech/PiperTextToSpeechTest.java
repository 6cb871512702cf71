package dev.aichatroom.voice.speech;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Piper engine end to end on {@link TinyPiperModel}: espeak-ng's phonemes, Piper's ids, ONNX Runtime's native
 * library running the model, the audio; and the default engine getting its voices over real HTTP from a local server
 * while espeak-ng stands in.
 */
@Timeout(120)
class PiperTextToSpeechTest {
    private static final int EN_REPEATS = 64;
    private static final int ZH_REPEATS = 32;

    @TempDir
    Path dir;

    private HttpServer server;
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();

    @BeforeEach
    void start() throws IOException {
        assumeThat(TestAudio.espeakInstalled())
                .as("Piper's phonemes come from espeak-ng")
                .isTrue();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", x -> {
            byte[] body = files.get(x.getRequestURI().getPath());
            if (body == null) {
                x.sendResponseHeaders(404, -1);
            } else {
                x.sendResponseHeaders(200, body.length);
                x.getResponseBody().write(body);
            }
            x.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void speaks_english_through_espeak_ng_phonemes_pipers_ids_and_onnx_runtime() throws Exception {
        Path model = TinyPiperModel.write(dir, "tiny-en", EN_REPEATS, 16_000, "en-us");
        try (PiperTextToSpeech piper = new PiperTextToSpeech(model)) {
            Pcm hello = piper.synthesize("Hello, how are you?");
            String phonemes = EspeakPhonemes.of("Hello, how are you?", "en-us");
            long[] ids = PiperTextToSpeech.Voice.read(model.resolveSibling("tiny-en.onnx.json"))
                    .idsOf(phonemes);
            assertThat(phonemes).isEqualTo("həlˈoʊ, hˈaʊ ɑːɹ juː?");
            assertThat(hello.sampleRate()).isEqualTo(16_000);
            assertThat(hello.samples()).hasSize(ids.length * EN_REPEATS);
            assertThat(hello.levelDbfs()).isGreaterThan(-10);
            // the samples are the model's sin(0.7·id) (ids tiled), scaled to full range as Piper does
            double max = 0;
            for (long id : ids) {
                max = Math.max(max, Math.abs(Math.sin(0.7f * id)));
            }
            for (int i = 0; i < hello.samples().length; i++) {
                double expected = Math.sin(0.7f * ids[i % ids.length]) * 32767 / max;
                assertThat((double) hello.samples()[i]).as("sample %d", i).isCloseTo(expected, within(3.0));
            }
            Pcm longer = piper.synthesize("Hello, how are you? I am fine, thank you very much.");
            assertThat(longer.samples().length).isGreaterThan(hello.samples().length * 2);
        }
    }

    @Test
    void ids_follow_pipers_layout_and_skip_phonemes_the_voice_does_not_know() throws Exception {
        Path model = TinyPiperModel.write(dir, "tiny-en", EN_REPEATS, 16_000, "en-us");
        PiperTextToSpeech.Voice voice = PiperTextToSpeech.Voice.read(model.resolveSibling("tiny-en.onnx.json"));
        int h = 20 + TinyPiperModel.PHONEMES.indexOf('h');
        int schwa = 20 + TinyPiperModel.PHONEMES.codePoints().boxed().toList().indexOf((int) 'ə');
        assertThat(voice.idsOf("h☃ə.")).containsExactly(1, 0, h, 0, schwa, 0, 4, 0, 2);
        assertThat(voice.sampleRate()).isEqualTo(16_000);
        assertThat(voice.espeakVoice()).isEqualTo("en-us");
    }

    @Test
    void clause_punctuation_goes_back_on_espeak_ngs_lines_and_language_switches_are_dropped() {
        assertThat(EspeakPhonemes.withPunctuation(
                        "ʃˈʊɹ\ntˈɜːnɪŋ ɪɾ ˌɔn nˈaʊ\nˈɛnɪθˌɪŋ ˈɛls\n", "Sure, turning it on now. Anything else?"))
                .isEqualTo("ʃˈʊɹ, tˈɜːnɪŋ ɪɾ ˌɔn nˈaʊ. ˈɛnɪθˌɪŋ ˈɛls?");
        assertThat(EspeakPhonemes.withPunctuation("wˈo2 (en)mɛn(cmn)\n", "我们")).isEqualTo("wˈo2 mɛn");
        // lines and punctuation that do not pair up (a decimal point): the lines alone
        assertThat(EspeakPhonemes.withPunctuation("θɹˈiː pɔɪnt fˈaɪv\n", "3.5")).isEqualTo("θɹˈiː pɔɪnt fˈaɪv");
    }

    @Test
    void a_file_that_is_not_a_voice_or_has_no_config_fails_naming_it() throws Exception {
        Path junk = dir.resolve("junk.onnx");
        Files.write(junk, new byte[] {1, 2, 3, 4});
        assertThatThrownBy(() -> new PiperTextToSpeech(junk).warmUp())
                .isInstanceOf(SpeechException.class)
                .hasMessageContaining("junk.onnx.json");
        Files.writeString(dir.resolve("junk.onnx.json"), TinyPiperModel.config(16_000, "en-us"));
        assertThatThrownBy(() -> new PiperTextToSpeech(junk).warmUp())
                .isInstanceOf(SpeechException.class)
                .hasMessageContaining("ONNX Runtime cannot load")
                .hasMessageContaining(junk.toString());
        Files.writeString(dir.resolve("junk.onnx.json"), "{\"audio\":{}}");
        assertThatThrownBy(() -> new PiperTextToSpeech(junk).warmUp())
                .isInstanceOf(SpeechException.class)
                .hasMessageContaining("not a Piper voice config");
    }

    @Test
    void the_default_engine_speaks_with_espeak_ng_until_its_voice_is_downloaded_then_with_piper() throws Exception {
        AutoTextToSpeech auto = auto(true, true, null);
        Pcm before = auto.synthesize("Hello, how are you?");
        assertThat(before.sampleRate()).isEqualTo(22_050); // espeak-ng's
        assertThat(auto.describe()).contains("not downloaded yet");
        auto.warmUp();
        assertThat(auto.awaitSettled(Duration.ofSeconds(60))).isTrue();
        assertThat(auto.ready("en")).isTrue();
        assertThat(auto.ready("zh")).isTrue();
        Pcm english = auto.synthesize("Hello, how are you?");
        assertThat(english.sampleRate()).isEqualTo(16_000);
        assertThat(english.samples().length % EN_REPEATS).isZero();
        Pcm chinese = auto.synthesize("你好，我们走吧。");
        assertThat(chinese.sampleRate()).as("the Chinese voice spoke").isEqualTo(8_000);
        assertThat(chinese.samples().length % ZH_REPEATS).isZero();
        assertThat(Files.exists(dir.resolve("models/tiny-en.onnx"))).isTrue();
        assertThat(Files.exists(dir.resolve("models/tiny-en.onnx.json"))).isTrue();
        assertThat(auto.describe()).contains("Piper voice tiny-en.onnx", "Piper voice tiny-zh.onnx");
        auto.close();
    }

    @Test
    void chinese_stays_with_espeak_ng_where_it_cannot_phonemize_chinese_and_english_still_gets_piper()
            throws Exception {
        AutoTextToSpeech auto = auto(true, false, null);
        auto.warmUp();
        assertThat(auto.awaitSettled(Duration.ofSeconds(60))).isTrue();
        assertThat(auto.ready("zh")).isFalse();
        assertThat(auto.ready("en")).isTrue();
        assertThat(auto.synthesize("你好").sampleRate()).isEqualTo(22_050);
        assertThat(auto.synthesize("Hello").sampleRate()).isEqualTo(16_000);
        assertThat(auto.describe()).contains("tiny-zh.onnx not used (espeak-ng cannot phonemize Chinese here)");
        assertThat(Files.exists(dir.resolve("models/tiny-zh.onnx"))).isFalse();
        auto.close();
    }

    @Test
    void a_voice_that_is_not_the_pinned_one_is_deleted_and_espeak_ng_keeps_speaking() throws Exception {
        AutoTextToSpeech auto = auto(true, true, "md5:" + "0".repeat(32));
        auto.warmUp();
        assertThat(auto.awaitSettled(Duration.ofSeconds(60))).isTrue();
        assertThat(auto.ready("en")).isFalse();
        assertThat(Files.exists(dir.resolve("models/tiny-en.onnx"))).isFalse();
        assertThat(Files.exists(dir.resolve("models/tiny-en.onnx.part"))).isFalse();
        assertThat(auto.synthesize("Hello").sampleRate()).isEqualTo(22_050);
        assertThat(auto.describe()).contains("not the expected file (MD5");
        auto.close();
    }

    @Test
    void offline_espeak_ng_speaks_and_one_line_says_what_to_download_and_where() throws Exception {
        AutoTextToSpeech auto = auto(false, true, null);
        auto.warmUp();
        assertThat(auto.awaitSettled(Duration.ofSeconds(30))).isTrue();
        assertThat(auto.ready("en")).isFalse();
        assertThat(auto.synthesize("Hello").sampleRate()).isEqualTo(22_050);
        String line = auto.whatToDownload(downloads(null).get(0), "downloads are off");
        assertThat(line)
                .contains(base() + "/en/tiny-en.onnx (MD5 ", base() + "/en/tiny-en.onnx.json (MD5 ")
                .contains(dir.resolve("models").toAbsolutePath().toString());
        assertThat(line.lines()).hasSize(1);
        auto.close();
    }

    private AutoTextToSpeech auto(boolean allowed, boolean chineseWorks, String wrongChecksum) throws Exception {
        return new AutoTextToSpeech(
                downloads(wrongChecksum),
                allowed,
                new EspeakTextToSpeech(java.util.Optional.empty()),
                PiperTextToSpeech::new,
                () -> chineseWorks,
                List.of());
    }

    private List<AutoTextToSpeech.Download> downloads(String wrongChecksum) throws Exception {
        Path served = Files.createDirectories(dir.resolve("served"));
        List<AutoTextToSpeech.Download> out = new java.util.ArrayList<>();
        for (String lang : List.of("en", "zh")) {
            boolean en = lang.equals("en");
            Path model = TinyPiperModel.write(
                    served, "tiny-" + lang, en ? EN_REPEATS : ZH_REPEATS, en ? 16_000 : 8_000, en ? "en-us" : "cmn");
            Path json = model.resolveSibling(model.getFileName() + ".json");
            files.put("/" + lang + "/" + model.getFileName(), Files.readAllBytes(model));
            files.put("/" + lang + "/" + json.getFileName(), Files.readAllBytes(json));
            Path target = dir.resolve("models").resolve(model.getFileName());
            out.add(new AutoTextToSpeech.Download(
                    lang,
                    new ModelDownload(
                            URI.create(base() + "/" + lang + "/" + model.getFileName()),
                            wrongChecksum != null ? wrongChecksum : "md5:" + md5(model),
                            target),
                    new ModelDownload(
                            URI.create(base() + "/" + lang + "/" + json.getFileName()),
                            "md5:" + md5(json),
                            target.resolveSibling(json.getFileName()))));
        }
        return out;
    }

    private String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private static String md5(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(Files.readAllBytes(file)));
    }
}
