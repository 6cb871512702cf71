package dev.aichatroom.voice;

import dev.aichatroom.voice.speech.Pcm;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Energy-based voice activity detection and end of turn, fed 10 ms frames: {@link VoiceConfig.Turns#startSpeech()} of
 * frames above the threshold start an utterance (with {@value #PRE_ROLL_FRAMES}0 ms of audio before it, so the first
 * syllable is kept), {@link VoiceConfig.Turns#endSilence()} below it end the turn, and an utterance is cut at
 * {@link VoiceConfig.Turns#maxUtterance()}. Not thread-safe: one listener thread owns it.
 */
final class TurnDetector {
    static final int PRE_ROLL_FRAMES = 30;
    static final int TRAILING_FRAMES = 20;

    /** What one frame changed. */
    sealed interface Event {
        /** Speech began (the moment to stop a reply that is playing). */
        record SpeechStarted() implements Event {}

        /** The turn ended with this audio. */
        record Utterance(Pcm audio) implements Event {}
    }

    private final VoiceConfig.Turns turns;
    private final int startFrames;
    private final int endFrames;
    private final int maxFrames;
    private final ArrayDeque<short[]> preRoll = new ArrayDeque<>();
    private final List<short[]> utterance = new ArrayList<>();
    private int loudRun;
    private int quietRun;
    private boolean inSpeech;
    private int rate = 48_000;

    TurnDetector(VoiceConfig.Turns turns) {
        this.turns = turns;
        this.startFrames = frames(turns.startSpeech().toMillis());
        this.endFrames = frames(turns.endSilence().toMillis());
        this.maxFrames = frames(turns.maxUtterance().toMillis());
    }

    private static int frames(long millis) {
        return (int) Math.max(1, millis / 10);
    }

    /** Takes one 10 ms frame (mono); returns what it changed, if anything. */
    Optional<Event> accept(Pcm frame) {
        rate = frame.sampleRate();
        boolean loud = frame.levelDbfs() > turns.thresholdDbfs();
        if (!inSpeech) {
            preRoll.addLast(frame.samples());
            if (preRoll.size() > PRE_ROLL_FRAMES) {
                preRoll.removeFirst();
            }
            loudRun = loud ? loudRun + 1 : 0;
            if (loudRun >= startFrames) {
                inSpeech = true;
                quietRun = 0;
                utterance.addAll(preRoll);
                preRoll.clear();
                return Optional.of(new Event.SpeechStarted());
            }
            return Optional.empty();
        }
        utterance.add(frame.samples());
        quietRun = loud ? 0 : quietRun + 1;
        if (quietRun >= endFrames || utterance.size() >= maxFrames) {
            return Optional.of(new Event.Utterance(finish()));
        }
        return Optional.empty();
    }

    boolean inSpeech() {
        return inSpeech;
    }

    private Pcm finish() {
        // the trailing silence that ended the turn only costs recognition time: keep 200 ms of it
        for (int drop = quietRun - TRAILING_FRAMES; drop > 0 && !utterance.isEmpty(); drop--) {
            utterance.removeLast();
        }
        int n = utterance.stream().mapToInt(s -> s.length).sum();
        short[] all = new short[n];
        int pos = 0;
        for (short[] s : utterance) {
            System.arraycopy(s, 0, all, pos, s.length);
            pos += s.length;
        }
        utterance.clear();
        inSpeech = false;
        loudRun = 0;
        quietRun = 0;
        return new Pcm(all, rate);
    }
}
