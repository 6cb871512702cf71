package dev.aichatroom.voice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aichatroom.voice.speech.Pcm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TurnDetectorTest {
    static Pcm frame(double amplitude) {
        short[] s = new short[480];
        for (int i = 0; i < s.length; i++) {
            s[i] = (short) (amplitude * 32767 * Math.sin(2 * Math.PI * 300 * i / 48_000.0));
        }
        return new Pcm(s, 48_000);
    }

    @Test
    void starts_on_speech_and_ends_the_turn_after_silence_keeping_the_pre_roll() {
        TurnDetector d = new TurnDetector(VoiceConfig.defaultTurns());
        List<TurnDetector.Event> events = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            d.accept(frame(0)).ifPresent(events::add);
        }
        for (int i = 0; i < 100; i++) {
            d.accept(frame(0.3)).ifPresent(events::add);
        }
        for (int i = 0; i < 100; i++) {
            d.accept(frame(0)).ifPresent(events::add);
        }
        assertThat(events).hasSize(2);
        assertThat(events.get(0)).isInstanceOf(TurnDetector.Event.SpeechStarted.class);
        Pcm audio = ((TurnDetector.Event.Utterance) events.get(1)).audio();
        // pre-roll (300 ms incl. the first 80 ms of speech) + the rest of the speech + 200 ms of trailing silence
        assertThat(audio.duration()).isBetween(Duration.ofMillis(1290), Duration.ofMillis(1490));
    }

    @Test
    void ignores_clicks_shorter_than_the_start_time_and_cuts_endless_speech() {
        VoiceConfig.Turns turns =
                new VoiceConfig.Turns(-45, Duration.ofMillis(120), Duration.ofMillis(700), Duration.ofSeconds(1), true);
        TurnDetector d = new TurnDetector(turns);
        List<TurnDetector.Event> events = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            d.accept(frame(0.5)).ifPresent(events::add);
        }
        d.accept(frame(0)).ifPresent(events::add);
        assertThat(events).isEmpty();
        for (int i = 0; i < 200; i++) {
            d.accept(frame(0.5)).ifPresent(events::add);
        }
        assertThat(events)
                .filteredOn(e -> e instanceof TurnDetector.Event.Utterance)
                .isNotEmpty();
    }
}
