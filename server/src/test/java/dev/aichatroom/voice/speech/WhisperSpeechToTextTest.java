package dev.aichatroom.voice.speech;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.givimad.whisperjni.WhisperContext;
import io.github.givimad.whisperjni.WhisperFullParams;
import io.github.givimad.whisperjni.WhisperJNI;
import io.github.givimad.whisperjni.WhisperSamplingStrategy;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * whisper.cpp's real loading and decoding path — the bundled native library, the model loader, the log-mel
 * spectrogram, encoder, cross-attention and greedy decoder — on {@link TinyWhisperModel}, whose output is known: "hello"
 * for audio with sound in it, "[BLANK_AUDIO]" for digital silence. No real whisper model can be downloaded here.
 */
@Timeout(60)
class WhisperSpeechToTextTest {
    @TempDir
    static Path dir;

    private static Path model;
    private static WhisperSpeechToText engine;

    @BeforeAll
    static void writeModel() throws IOException {
        model = TinyWhisperModel.write(dir.resolve("ggml-tiny-test.bin"));
        engine = new WhisperSpeechToText(model, "en");
    }

    @AfterAll
    static void closeEngine() {
        engine.close();
    }

    private static Pcm tone(int rate, int millis) {
        return TestAudio.padded(PcmTest.tone(440, rate, millis), 300, 300);
    }

    @Test
    void transcribes_audio_with_sound_as_the_word_the_model_spells() {
        assertThat(engine.transcribe(tone(16_000, 1000))).isEqualTo(TinyWhisperModel.HEARD);
    }

    @Test
    void reads_whispers_token_probabilities_through_its_c_api_on_the_library_whisper_jni_loaded() {
        engine.warmUp();
        assertThat(WhisperNative.loadedLibrary())
                .hasValueSatisfying(p -> assertThat(p.getFileName().toString()).startsWith("libwhisper.so"));
        StringBuilder why = new StringBuilder();
        assertThat(WhisperNative.load(why)).as(why.toString()).isPresent();
    }

    @Test
    void a_sure_transcription_is_kept_and_a_mumbled_one_is_not_understood_rather_than_a_guess() throws IOException {
        // the same greedy choice, " hello", once at a probability near 1 and once near 1/15,000
        Path mumbling = TinyWhisperModel.write(dir.resolve("ggml-tiny-mumbling.bin"), 0.5f);
        try (WhisperSpeechToText unsure = new WhisperSpeechToText(mumbling, "en")) {
            unsure.warmUp();
            StringBuilder why = new StringBuilder();
            WhisperNative api = WhisperNative.load(why).orElseThrow();
            com.sun.jna.Pointer ctx = api.init(mumbling).orElseThrow();
            try {
                float[] sound = new float[32_000];
                short[] t = tone(16_000, 1000).samples();
                for (int i = 0; i < Math.min(t.length, sound.length); i++) {
                    sound[i] = t[i] / 32768f;
                }
                WhisperNative.Result guess = api.full(ctx, sound, "en", 1);
                assertThat(WhisperSpeechToText.speech(guess.text())).isEqualTo(TinyWhisperModel.HEARD);
                assertThat(guess.tokenProbabilities()).isNotEmpty();
                for (float p : guess.tokenProbabilities()) {
                    assertThat(p).isLessThan(0.01f);
                }
                assertThat(guess.meanLogProbability()).isLessThan(WhisperSpeechToText.MIN_MEAN_LOG_PROBABILITY);
            } finally {
                api.free(ctx);
            }
            assertThat(unsure.transcribe(tone(16_000, 1000))).isEmpty();
        }
        assertThat(engine.transcribe(tone(16_000, 1000))).isEqualTo(TinyWhisperModel.HEARD);
    }

    @Test
    void the_model_itself_reads_silence_as_blank_audio() throws IOException {
        // straight through whisper-jni, without the engine's handling of the text
        engine.warmUp(); // loads the native library as the engine does
        WhisperJNI whisper = new WhisperJNI();
        try (WhisperContext context = whisper.init(model)) {
            WhisperFullParams params = new WhisperFullParams(WhisperSamplingStrategy.GREEDY);
            params.printProgress = false;
            params.noTimestamps = true;
            float[] silence = new float[32_000];
            assertThat(whisper.full(context, params, silence, silence.length)).isZero();
            assertThat(whisper.fullNSegments(context)).isEqualTo(1);
            assertThat(whisper.fullGetSegmentText(context, 0)).isEqualTo(" " + TinyWhisperModel.SILENT);
        }
    }

    @Test
    void hears_nothing_in_silence_dropping_the_blank_audio_annotation() {
        assertThat(engine.transcribe(Pcm.silence(Duration.ofSeconds(2), 16_000)))
                .isEmpty();
    }

    @Test
    void drops_non_speech_annotations_but_keeps_the_words() {
        assertThat(WhisperSpeechToText.speech(" [BLANK_AUDIO]")).isEmpty();
        assertThat(WhisperSpeechToText.speech(" (wind blowing) turn on [MUSIC] the camera"))
                .isEqualTo("turn on the camera");
        assertThat(WhisperSpeechToText.speech(" Turn on the camera.")).isEqualTo("Turn on the camera.");
    }

    @Test
    void pads_utterances_shorter_than_the_second_whisper_cpp_needs() {
        // whisper.cpp 1.7 returns no text at all for under 1 s (16200 samples): a short "yes" would be lost
        Pcm yes = PcmTest.tone(440, 16_000, 400);
        assertThat(yes.samples().length).isLessThan(16_200);
        assertThat(engine.transcribe(yes)).isEqualTo(TinyWhisperModel.HEARD);
    }

    @Test
    void transcribes_each_30_second_window_and_joins_them() {
        assertThat(engine.transcribe(PcmTest.tone(440, 16_000, 36_000)))
                .isEqualTo(TinyWhisperModel.HEARD + " " + TinyWhisperModel.HEARD);
    }

    @Test
    void resamples_audio_at_the_webrtc_rate() {
        // 12 s at 48 kHz; handed over as 16 kHz samples it would last 36 s: two windows, the word twice
        assertThat(engine.transcribe(PcmTest.tone(440, 48_000, 12_000))).isEqualTo(TinyWhisperModel.HEARD);
    }

    @Test
    void loads_again_after_close() {
        WhisperSpeechToText own = new WhisperSpeechToText(model, "en");
        own.warmUp();
        own.close();
        own.close();
        assertThat(own.transcribe(tone(16_000, 500))).isEqualTo(TinyWhisperModel.HEARD);
        own.close();
        assertThat(own.describe()).contains(model.toString());
    }

    @Test
    void names_a_missing_model_file() {
        Path missing = dir.resolve("ggml-missing.bin");
        assertThatThrownBy(() -> new WhisperSpeechToText(missing, "en").warmUp())
                .isInstanceOf(SpeechException.class)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("does not exist");
    }

    /**
     * Cut short in its header or vocabulary, the file made whisper.cpp "load" an empty model whose first transcription
     * aborted the JVM (or returned nothing forever), and garbage after the magic aborted it while loading.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("damaged")
    void refuses_a_damaged_model_file_naming_it_and_the_damage(String name, byte[] content, String damage)
            throws IOException {
        Path file = Files.write(dir.resolve(name + ".bin"), content);
        WhisperSpeechToText damaged = new WhisperSpeechToText(file, "en");
        assertThatThrownBy(damaged::warmUp)
                .isInstanceOf(SpeechException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining(damage);
        assertThatThrownBy(() -> damaged.transcribe(tone(16_000, 500)))
                .isInstanceOf(SpeechException.class)
                .hasMessageContaining(damage);
        damaged.close();
    }

    static Stream<Arguments> damaged() throws IOException {
        byte[] good = Files.readAllBytes(model);
        int size = good.length;
        Random random = new Random(7);
        byte[] noise = new byte[100_000];
        random.nextBytes(noise);
        byte[] magicThenNoise = noise.clone();
        System.arraycopy(good, 0, magicThenNoise, 0, 4);
        int tensors = (int) TinyWhisperModel.TENSORS;
        return Stream.of(
                cut(good, 0, "ends at byte 0, inside the magic number"),
                cut(good, 4, "ends at byte 4, inside the hyper-parameters"),
                cut(good, 20, "inside the hyper-parameters"),
                cut(good, (int) TinyWhisperModel.FILTERS, "inside the mel filters"),
                cut(good, (int) TinyWhisperModel.VOCABULARY - 100, "inside the mel filters"),
                cut(good, (int) TinyWhisperModel.VOCABULARY + 6, "inside the vocabulary"),
                cut(good, tensors - 3, "inside the vocabulary"),
                cut(good, tensors, "it has 0 of its 50 tensors"),
                cut(good, tensors + 6, "inside a tensor header"),
                cut(good, size / 2, "inside tensor 'decoder.token_embedding.weight'"),
                cut(good, size - 10, "inside tensor 'decoder.blocks.0.cross_attn.out.bias'"),
                Arguments.of("noise", noise, "not a whisper.cpp ggml model"),
                Arguments.of("magic then noise", magicThenNoise, "is not a Whisper vocabulary"),
                Arguments.of("gguf", "GGUF\3\0\0\0".getBytes(StandardCharsets.ISO_8859_1), "0x46554747"));
    }

    private static Arguments cut(byte[] good, int length, String damage) {
        return Arguments.of("cut at " + length, Arrays.copyOf(good, length), damage);
    }

    @Test
    void refuses_a_file_type_that_ggml_would_abort_on() throws IOException {
        // whisper.cpp 1.7.1 checks ftype only after ggml_ftype_to_ggml_type, which GGML_ASSERTs (abort) on 5
        Path file = Files.write(dir.resolve("ftype-5.bin"), patched(4 + 10 * 4, 5));
        assertThatThrownBy(() -> new WhisperSpeechToText(file, "en").warmUp())
                .isInstanceOf(SpeechException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("ftype 5 is not a type whisper.cpp loads");
    }

    @Test
    void passes_on_whisper_cpp_s_reason_when_it_refuses_a_well_formed_file() throws IOException {
        // the header says F32 weights, the tensors are F16: the layout is sound, whisper.cpp itself refuses it
        Path file = Files.write(dir.resolve("ftype-f32.bin"), patched(4 + 10 * 4, 0));
        assertThatThrownBy(() -> new WhisperSpeechToText(file, "en").warmUp())
                .isInstanceOf(SpeechException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("tensor 'encoder.conv1.weight' has wrong size");
    }

    private static byte[] patched(int offset, int value) throws IOException {
        byte[] content = Files.readAllBytes(model);
        ByteBuffer.wrap(content).order(ByteOrder.LITTLE_ENDIAN).putInt(offset, value);
        return content;
    }
}
