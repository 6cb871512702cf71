package dev.aichatroom.voice.speech;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What every text-to-speech engine must do: audible speech of a plausible length that a recogniser understands. */
@Timeout(60)
abstract class TextToSpeechContract {
    private static final SpeechToText EAR = new SphinxSpeechToText(Optional.empty(), List.of());

    abstract TextToSpeech engine();

    @AfterAll
    static void closeEar() {
        EAR.close(); // shared by every engine's tests: it reloads on its next use
    }

    @Test
    void speaks_english_audibly_for_a_plausible_time() {
        Pcm audio = engine().synthesize("turn on the camera");
        assertThat(audio.duration()).isBetween(Duration.ofMillis(500), Duration.ofSeconds(5));
        assertThat(audio.levelDbfs()).isGreaterThan(-35);
    }

    @Test
    void speaks_words_a_recogniser_understands() {
        Pcm audio = TestAudio.padded(engine().synthesize("turn off the camera"), 300, 300);
        assertThat(EAR.transcribe(audio)).isEqualTo("turn off the camera");
    }

    @Test
    void speaks_each_sentence_of_a_reply_on_its_own() {
        Pcm first = engine().synthesize("Sure.");
        Pcm second = engine().synthesize("The camera is on now.");
        assertThat(second.duration()).isGreaterThan(first.duration());
    }
}
