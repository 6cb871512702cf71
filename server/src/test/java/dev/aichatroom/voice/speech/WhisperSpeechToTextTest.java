package dev.aichatroom.voice.speech;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.givimad.whisperjni.WhisperContext;
import io.github.givimad.whisperjni.WhisperFullParams;
import io.github.givimad.whisperjni.WhisperJNI;
import io.github.givimad.whisperjni.WhisperSamplingStrategy;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

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
}
