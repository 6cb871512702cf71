package dev.aichatroom.voice.speech;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aichatroom.testing.Requirements;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Every engine through the shared contracts, plus what is particular to each. */
class SpeechEnginesTest {
    private static final SphinxSpeechToText SPHINX =
            new SphinxSpeechToText(Optional.empty(), List.of("open the front door"));
    private static FakeOpenAiServer api;

    @BeforeAll
    static void startApi() throws IOException {
        api = new FakeOpenAiServer();
    }

    @AfterAll
    static void stop() {
        api.close();
        SPHINX.close();
    }

    static SpeechConfig apiConfig() {
        return new SpeechConfig(
                SpeechConfig.Stt.OPENAI,
                Optional.empty(),
                Optional.empty(),
                List.of(),
                SpeechConfig.Tts.OPENAI,
                Optional.empty(),
                Optional.empty(),
                Optional.of(api.baseUrl()),
                Optional.of("sk-test"),
                "en",
                Duration.ofSeconds(30));
    }

    @Nested
    class Sphinx extends SpeechToTextContract {
        @Override
        SpeechToText engine() {
            return SPHINX;
        }

        @Test
        void recognises_a_configured_phrase() {
            Requirements.assume(TestAudio.espeakInstalled(), "needs espeak-ng");
            Pcm audio = TestAudio.padded(TestAudio.espeak("open the front door"), 300, 300);
            assertThat(SPHINX.transcribe(audio)).isEqualTo("open the front door");
        }

        @Test
        void writes_a_jsgf_grammar_of_normalised_phrases() {
            assertThat(SphinxSpeechToText.normalise("Turn ON the Camera!")).isEqualTo("turn on the camera");
            assertThat(SphinxSpeechToText.jsgf(List.of("a b", "c")))
                    .isEqualTo("#JSGF V1.0;\ngrammar commands;\npublic <command> = a b | c ;\n");
        }
    }

    @Nested
    class OpenAiTranscription extends SpeechToTextContract {
        @Override
        SpeechToText engine() {
            return SpeechEngines.speechToText(apiConfig());
        }

        @Test
        void sends_a_multipart_wav_with_model_language_and_key() {
            engine().transcribe(Pcm.silence(Duration.ofMillis(500), 48_000));
            assertThat(api.lastFields()).containsEntry("model", "whisper-1").containsEntry("language", "en");
            assertThat(api.requests()).contains("transcriptions Bearer sk-test");
        }

        @Test
        void reports_http_errors_with_the_providers_words() throws IOException {
            SpeechConfig wrong = new SpeechConfig(
                    SpeechConfig.Stt.OPENAI,
                    Optional.empty(),
                    Optional.empty(),
                    List.of(),
                    SpeechConfig.Tts.OPENAI,
                    Optional.empty(),
                    Optional.empty(),
                    Optional.of(api.baseUrl() + "/nothing"),
                    Optional.empty(),
                    "en",
                    Duration.ofSeconds(5));
            assertThatThrownBy(() ->
                            SpeechEngines.speechToText(wrong).transcribe(Pcm.silence(Duration.ofMillis(100), 16_000)))
                    .isInstanceOf(SpeechException.class)
                    .hasMessageContaining("HTTP 404");
        }
    }

    @Nested
    class Espeak extends TextToSpeechContract {
        @Override
        TextToSpeech engine() {
            Requirements.assume(EspeakTextToSpeech.installed(), "needs espeak-ng");
            return new EspeakTextToSpeech(Optional.empty());
        }

        @Test
        void speaks_chinese_with_the_mandarin_voice() {
            Pcm audio = engine().synthesize("你好，摄像头已经打开了。");
            assertThat(audio.duration()).isGreaterThan(Duration.ofMillis(800));
            assertThat(EspeakTextToSpeech.containsChinese("你好")).isTrue();
        }

        @Test
        void reads_text_that_looks_like_options_as_text() {
            assertThat(engine().synthesize("--help -v xx").duration()).isGreaterThan(Duration.ofMillis(300));
        }
    }

    @Nested
    class FreeTts extends TextToSpeechContract {
        private static final FreeTextToSpeech ENGINE = new FreeTextToSpeech();

        @Override
        TextToSpeech engine() {
            return ENGINE;
        }
    }

    @Nested
    class OpenAiSpeech extends TextToSpeechContract {
        @Override
        TextToSpeech engine() {
            return SpeechEngines.textToSpeech(apiConfig());
        }

        @Test
        void asks_for_wav_with_model_and_voice() {
            engine().synthesize("hello");
            assertThat(api.lastFields())
                    .containsEntry("model", "tts-1")
                    .containsEntry("voice", "alloy")
                    .containsEntry("response_format", "wav")
                    .containsEntry("input", "hello");
        }
    }

    @Test
    void model_engines_say_which_model_is_missing() {
        SpeechConfig vosk = new SpeechConfig(
                SpeechConfig.Stt.VOSK,
                Optional.of("/nowhere/model"),
                Optional.empty(),
                List.of(),
                SpeechConfig.Tts.FREETTS,
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                "en",
                Duration.ofSeconds(5));
        assertThatThrownBy(() -> SpeechEngines.speechToText(vosk))
                .isInstanceOf(SpeechException.class)
                .hasMessageContaining("VOICE_STT_MODEL=/nowhere/model does not exist");
    }

    @Test
    void reads_and_writes_wav_and_resamples() {
        Pcm tone = PcmTest.tone(440, 16_000, 1000);
        Pcm back = Pcm.fromWav(tone.wav());
        assertThat(back.samples()).isEqualTo(tone.samples());
        assertThat(tone.resample(48_000).samples()).hasSize(48_000);
        assertThat(tone.resample(48_000).resample(16_000).levelDbfs())
                .isCloseTo(tone.levelDbfs(), org.assertj.core.data.Offset.offset(1.0));
    }
}
