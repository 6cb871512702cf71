package dev.aichatroom.voice.speech;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.aichatroom.testing.Requirements;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The real Vosk engine (libvosk through JNA, Kaldi's model reading, feature extraction, nnet3 and lattice decoding) on
 * {@link TinyVoskModel}, a model the test writes that hears sound around 1 kHz as the word "hello": no real model can
 * be downloaded here.
 */
@Timeout(60)
class VoskSpeechToTextTest {
    private static final Pcm SILENCE = Pcm.silence(Duration.ofSeconds(1), 16_000);

    private static final Logger LOG = (Logger) LoggerFactory.getLogger(VoskSpeechToText.class);
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @TempDir
    Path dir;

    @BeforeEach
    void captureLogs() {
        logs.start();
        LOG.addAppender(logs);
    }

    @AfterEach
    void releaseLogs() {
        LOG.detachAppender(logs);
    }

    private List<String> warnings() {
        return logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    private static Pcm tone(double hz, int rate) {
        return TestAudio.padded(PcmTest.tone(hz, rate, 500), 300, 300);
    }

    private VoskSpeechToText staticModel(List<String> phrases) throws IOException {
        return new VoskSpeechToText(TinyVoskModel.withStaticGraph(dir), phrases);
    }

    private VoskSpeechToText runtimeModel(List<String> phrases) throws IOException {
        return new VoskSpeechToText(TinyVoskModel.withRuntimeGraph(dir), phrases);
    }

    @Test
    void hears_its_word_in_speech_by_freetts_and_nothing_in_silence() throws IOException {
        try (VoskSpeechToText vosk = staticModel(List.of())) {
            assertThat(vosk.transcribe(TestAudio.padded(TestAudio.freetts("hello"), 300, 300)))
                    .isEqualTo("hello");
            assertThat(vosk.transcribe(SILENCE)).isEmpty();
        }
    }

    @Test
    void hears_its_word_in_speech_by_espeak_ng() throws IOException {
        Requirements.assume(TestAudio.espeakInstalled(), "needs espeak-ng");
        try (VoskSpeechToText vosk = staticModel(List.of())) {
            assertThat(vosk.transcribe(TestAudio.padded(TestAudio.espeak("hello"), 300, 300)))
                    .isEqualTo("hello");
        }
    }

    @Test
    void decodes_what_its_acoustic_model_scores_not_any_sound() throws IOException {
        try (VoskSpeechToText vosk = staticModel(List.of())) {
            assertThat(vosk.transcribe(tone(1000, 16_000))).isEqualTo("hello");
            assertThat(vosk.transcribe(tone(333, 16_000))).isEmpty();
            assertThat(vosk.transcribe(tone(3000, 16_000))).isEmpty();
        }
    }

    @Test
    void resamples_webrtc_audio_to_the_models_16_khz() throws IOException {
        // read as 16 kHz without resampling, a 1 kHz tone at 48 kHz would be 333 Hz, which the model does not hear
        try (VoskSpeechToText vosk = staticModel(List.of())) {
            assertThat(vosk.transcribe(tone(1000, 48_000))).isEqualTo("hello");
            assertThat(vosk.transcribe(Pcm.silence(Duration.ofSeconds(1), 48_000)))
                    .isEmpty();
        }
    }

    @Test
    void warm_up_loads_the_model_and_close_releases_it() throws IOException {
        VoskSpeechToText vosk = staticModel(List.of());
        vosk.warmUp();
        deleteModelFiles();
        assertThat(vosk.transcribe(tone(1000, 16_000))).isEqualTo("hello");
        vosk.close();
        assertThatThrownBy(() -> vosk.transcribe(tone(1000, 16_000)))
                .isInstanceOf(SpeechException.class)
                .hasMessageContaining(dir.toString());
        vosk.close();
    }

    @Test
    void a_directory_that_is_not_a_model_is_a_speech_exception_naming_it() {
        VoskSpeechToText vosk = new VoskSpeechToText(dir, List.of());
        assertThatThrownBy(vosk::warmUp)
                .isInstanceOf(SpeechException.class)
                .hasMessage("Vosk cannot load the model " + dir
                        + ": not a Vosk model directory (no am/final.mdl or final.mdl)");
        assertThatThrownBy(() -> vosk.transcribe(SILENCE))
                .isInstanceOf(SpeechException.class)
                .hasMessageContaining(dir.toString());
        vosk.close();
    }

    @Test
    void a_model_kaldi_cannot_read_is_a_speech_exception_naming_it() throws IOException {
        TinyVoskModel.withStaticGraph(dir);
        Files.writeString(dir.resolve("am/final.mdl"), "<TransitionModel> <Topology> nonsense");
        VoskSpeechToText vosk = new VoskSpeechToText(dir, List.of());
        assertThatThrownBy(vosk::warmUp)
                .isInstanceOf(SpeechException.class)
                .hasMessageStartingWith("Vosk cannot load the model " + dir + ": ");
        vosk.close();
    }

    @Test
    void ignores_phrases_when_the_graph_is_precompiled() throws IOException {
        // Vosk cannot limit an HCLG.fst to phrases: it decodes the whole graph, which knows only "hello"
        try (VoskSpeechToText vosk = staticModel(List.of("goodbye"))) {
            assertThat(vosk.transcribe(tone(1000, 16_000))).isEqualTo("hello");
            assertThat(vosk.transcribe(tone(1000, 16_000))).isEqualTo("hello");
        }
        assertThat(warnings())
                .singleElement()
                .asString()
                .contains(dir.toString(), "precompiled graph (HCLG.fst)", "ignores the 1 phrase(s)");
    }

    @Test
    void limits_a_runtime_graph_to_the_phrases() throws IOException {
        try (VoskSpeechToText free = runtimeModel(List.of());
                VoskSpeechToText limited = new VoskSpeechToText(dir, List.of("goodbye"))) {
            assertThat(free.transcribe(tone(1000, 16_000))).isEqualTo("hello");
            assertThat(limited.transcribe(tone(1000, 16_000))).isEqualTo("goodbye");
            assertThat(limited.transcribe(SILENCE)).isEmpty();
        }
        assertThat(warnings()).isEmpty();
    }

    @Test
    void takes_phrases_as_people_write_them_and_leaves_out_unknown_words() throws IOException {
        // as written, Vosk knows neither "Goodbye!" nor "xyzzy" and, limited to nothing, would hear nothing
        try (VoskSpeechToText vosk = runtimeModel(List.of("Goodbye!", "xyzzy"))) {
            assertThat(vosk.transcribe(tone(1000, 16_000))).isEqualTo("goodbye");
            assertThat(vosk.transcribe(SILENCE)).isEmpty();
        }
        assertThat(warnings()).singleElement().asString().contains(dir.toString(), "[xyzzy]");
    }

    @Test
    void refuses_phrases_of_which_the_model_knows_no_word() throws IOException {
        try (VoskSpeechToText vosk = runtimeModel(List.of("xyzzy plugh"))) {
            assertThatThrownBy(vosk::warmUp)
                    .isInstanceOf(SpeechException.class)
                    .hasMessageContaining(dir.toString())
                    .hasMessageContaining("[plugh, xyzzy]");
        }
    }

    private void deleteModelFiles() throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                if (!p.equals(dir)) {
                    Files.delete(p);
                }
            }
        }
    }
}
