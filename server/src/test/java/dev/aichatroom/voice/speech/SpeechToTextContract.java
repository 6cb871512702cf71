package dev.aichatroom.voice.speech;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aichatroom.testing.Requirements;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What every speech-to-text engine must do, on audio the test makes. */
@Timeout(60)
abstract class SpeechToTextContract {
    abstract SpeechToText engine();

    @Test
    void recognises_a_command_spoken_by_espeak_ng() {
        Requirements.assume(TestAudio.espeakInstalled(), "needs espeak-ng");
        Pcm audio = TestAudio.padded(TestAudio.espeak("turn on the camera"), 300, 300);
        assertThat(engine().transcribe(audio)).isEqualTo("turn on the camera");
    }

    @Test
    void recognises_a_command_spoken_by_freetts() {
        Pcm audio = TestAudio.padded(TestAudio.freetts("turn off the camera"), 300, 300);
        assertThat(engine().transcribe(audio)).isEqualTo("turn off the camera");
    }

    @Test
    void takes_audio_at_the_webrtc_rate() {
        Requirements.assume(TestAudio.espeakInstalled(), "needs espeak-ng");
        Pcm audio = TestAudio.padded(TestAudio.espeak("turn off the camera"), 300, 300)
                .resample(48_000);
        assertThat(engine().transcribe(audio)).isEqualTo("turn off the camera");
    }

    @Test
    void hears_nothing_in_silence() {
        assertThat(engine().transcribe(Pcm.silence(Duration.ofSeconds(1), 16_000)))
                .isEmpty();
    }
}
