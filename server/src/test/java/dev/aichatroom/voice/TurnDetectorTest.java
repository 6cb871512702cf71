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
        assertThat(events).hasSize(3);
        assertThat(events.get(0)).isInstanceOf(TurnDetector.Event.SpeechStarted.class);
        assertThat(events.get(1)).isInstanceOf(TurnDetector.Event.Paused.class);
        Pcm audio = ((TurnDetector.Event.Utterance) events.get(2)).audio();
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

    @Test
    void a_pause_reports_the_audio_so_far_which_is_the_utterance_when_the_turn_ends_without_more_speech() {
        TurnDetector d = new TurnDetector(VoiceConfig.defaultTurns());
        List<TurnDetector.Event> events = new ArrayList<>();
        feed(d, events, 0, 50);
        feed(d, events, 0.3, 100);
        feed(d, events, 0, 100);
        assertThat(events)
                .extracting(e -> e.getClass().getSimpleName())
                .containsExactly("SpeechStarted", "Paused", "Utterance");
        Pcm paused = ((TurnDetector.Event.Paused) events.get(1)).audio();
        TurnDetector.Event.Utterance u = (TurnDetector.Event.Utterance) events.get(2);
        assertThat(u.sincePause()).isTrue();
        assertThat(u.audio().samples()).isEqualTo(paused.samples());
    }

    @Test
    void speech_after_a_pause_resumes_the_turn_and_its_utterance_is_not_the_pauses() {
        TurnDetector d = new TurnDetector(VoiceConfig.defaultTurns());
        List<TurnDetector.Event> events = new ArrayList<>();
        feed(d, events, 0.3, 100);
        feed(d, events, 0, 30); // 300 ms: a pause, not the 700 ms that end the turn
        feed(d, events, 0.3, 50);
        feed(d, events, 0, 100);
        assertThat(events)
                .extracting(e -> e.getClass().getSimpleName())
                .containsExactly("SpeechStarted", "Paused", "Resumed", "Paused", "Utterance");
        Pcm first = ((TurnDetector.Event.Paused) events.get(1)).audio();
        Pcm second = ((TurnDetector.Event.Paused) events.get(3)).audio();
        TurnDetector.Event.Utterance u = (TurnDetector.Event.Utterance) events.get(4);
        assertThat(u.sincePause()).isTrue();
        assertThat(u.audio().samples()).isEqualTo(second.samples());
        assertThat(first.duration()).isLessThan(second.duration());
    }

    @Test
    void the_pause_is_a_third_of_the_end_of_turn_silence_between_100_and_200_ms() {
        assertThat(TurnDetector.pauseFrames(70)).isEqualTo(20);
        assertThat(TurnDetector.pauseFrames(45)).isEqualTo(15);
        assertThat(TurnDetector.pauseFrames(30)).isEqualTo(10);
        assertThat(TurnDetector.pauseFrames(12)).isEqualTo(10);
        assertThat(TurnDetector.pauseFrames(10)).isEqualTo(9); // always before the end of the turn
    }

    private static void feed(TurnDetector d, List<TurnDetector.Event> events, double amplitude, int frames) {
        for (int i = 0; i < frames; i++) {
            d.accept(frame(amplitude)).ifPresent(events::add);
        }
    }
}
