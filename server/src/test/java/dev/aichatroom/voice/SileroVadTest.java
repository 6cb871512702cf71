package dev.aichatroom.voice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aichatroom.voice.speech.Pcm;
import dev.aichatroom.voice.speech.TestAudio;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class SileroVadTest {
    private static SileroVad vad;

    @BeforeAll
    static void load() {
        vad = SileroVad.load(); // from the classpath, where the build put the web module's copy
    }

    @AfterAll
    static void close() {
        vad.close();
    }

    /** Whether each 10 ms frame of {@code audio} (resampled to 48 kHz) was judged speech. */
    static List<Boolean> judge(SileroVad.Stream s, Pcm audio) {
        short[] all = audio.resample(48_000).samples();
        List<Boolean> out = new ArrayList<>();
        for (int off = 0; off + 480 <= all.length; off += 480) {
            short[] f = new short[480];
            System.arraycopy(all, off, f, 0, 480);
            out.add(s.speech(new Pcm(f, 48_000)));
        }
        return out;
    }

    @Test
    void hears_spoken_words_and_not_the_silence_after_them() {
        Pcm words = TestAudio.padded(TestAudio.espeak("what is the weather like today"), 300, 500);
        List<Boolean> speech = judge(vad.stream(), words);
        long during =
                speech.subList(30, speech.size() - 50).stream().filter(b -> b).count();
        assertThat(during).isGreaterThan((speech.size() - 80) / 2);
        assertThat(speech.subList(0, 20)).doesNotContain(true);
        assertThat(speech.subList(speech.size() - 20, speech.size())).doesNotContain(true);
    }

    @Test
    void loud_noise_is_not_speech_where_the_loudness_detector_takes_it_for_speech() {
        short[] noise = new short[48_000];
        Random r = new Random(7);
        for (int i = 0; i < noise.length; i++) {
            noise[i] = (short) (r.nextGaussian() * 3000); // about -21 dBFS, far above the -45 dBFS threshold
        }
        Pcm pcm = new Pcm(noise, 48_000);
        List<Boolean> speech = judge(vad.stream(), pcm);
        assertThat(speech.stream().filter(b -> b).count()).isLessThan(speech.size() / 10);
        assertThat(pcm.levelDbfs()).isGreaterThan(VoiceConfig.defaultTurns().thresholdDbfs());
    }

    @Test
    void ends_a_spoken_turn_with_the_short_end_of_turn_silence() {
        VoiceConfig.Turns turns = new VoiceConfig.Turns(
                -45,
                java.time.Duration.ofMillis(80),
                VoiceConfig.SILERO_END_SILENCE,
                java.time.Duration.ofSeconds(15),
                true,
                VoiceConfig.Vad.SILERO,
                VoiceConfig.defaultTurns().endSilence());
        TurnDetector d = new TurnDetector(turns);
        SileroVad.Stream s = vad.stream();
        Pcm words = TestAudio.padded(TestAudio.espeak("turn on the camera"), 300, 1000)
                .resample(48_000);
        short[] all = words.samples();
        List<String> events = new ArrayList<>();
        for (int off = 0; off + 480 <= all.length; off += 480) {
            short[] f = new short[480];
            System.arraycopy(all, off, f, 0, 480);
            Pcm frame = new Pcm(f, 48_000);
            d.accept(frame, s.speech(frame) && frame.levelDbfs() > -45)
                    .ifPresent(e -> events.add(e.getClass().getSimpleName()));
        }
        assertThat(events).containsSubsequence("SpeechStarted", "Utterance").endsWith("Utterance");
        assertThat(events.stream().filter(e -> e.equals("Utterance"))).hasSize(1); // one turn, not cut mid-phrase
    }
}
