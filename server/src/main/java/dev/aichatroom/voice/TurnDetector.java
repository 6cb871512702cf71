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
 * {@link VoiceConfig.Turns#maxUtterance()}. A shorter pause inside the turn ({@link #pauseFrames}: a third of the end-of-turn
 * silence, 100 to 200 ms) is reported with the audio so far, so that recognition can start while the turn may still
 * go on: if the turn then ends without more speech, the utterance is that same audio. Not thread-safe: one listener
 * thread owns it.
 */
final class TurnDetector {
    static final int PRE_ROLL_FRAMES = 30;
    static final int TRAILING_FRAMES = 20;

    /** What one frame changed. */
    sealed interface Event {
        /** Speech began (the moment to stop a reply that is playing). */
        record SpeechStarted() implements Event {}

        /**
         * The speaker paused: this is the whole utterance if the turn ends before speech resumes ({@link Resumed}).
         *
         * @param audio the utterance so far, ending with the pause
         */
        record Paused(Pcm audio) implements Event {}

        /** Speech went on after a {@link Paused}: its audio is not the utterance. */
        record Resumed() implements Event {}

        /**
         * The turn ended with this audio.
         *
         * @param audio the utterance, with at most {@value TurnDetector#TRAILING_FRAMES}0 ms of the silence that ended
         *     it
         * @param sincePause whether no speech came since the last {@link Paused}, whose audio this is
         */
        record Utterance(Pcm audio, boolean sincePause) implements Event {}
    }

    private final VoiceConfig.Turns turns;
    private final int startFrames;
    private final int endFrames;
    private final int maxFrames;
    private final int pauseFrames;
    private boolean paused;
    private boolean loud;
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
        this.pauseFrames = pauseFrames(endFrames);
    }

    /**
     * A third of the end-of-turn silence, at least 100 and at most {@value #TRAILING_FRAMES}0 ms, and less than all of
     * it: 100 ms of the 300 that end a turn with Silero VAD, 200 of the loudness detector's 700.
     */
    static int pauseFrames(int endFrames) {
        return Math.max(1, Math.min(endFrames - 1, Math.clamp(endFrames / 3, 10, TRAILING_FRAMES)));
    }

    private static int frames(long millis) {
        return (int) Math.max(1, millis / 10);
    }

    /** Takes one 10 ms frame (mono); returns what it changed, if anything. */
    Optional<Event> accept(Pcm frame) {
        rate = frame.sampleRate();
        return accept(frame, frame.levelDbfs() > turns.thresholdDbfs());
    }

    /** Takes one 10 ms frame (mono) that a voice activity detector has judged speech ({@code loud}) or not. */
    Optional<Event> accept(Pcm frame, boolean loud) {
        rate = frame.sampleRate();
        this.loud = loud;
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
            boolean sincePause = paused && quietRun >= endFrames;
            return Optional.of(new Event.Utterance(finish(), sincePause));
        }
        if (loud && paused) {
            paused = false;
            return Optional.of(new Event.Resumed());
        }
        if (quietRun == pauseFrames) {
            paused = true;
            return Optional.of(new Event.Paused(joined(utterance.size())));
        }
        return Optional.empty();
    }

    /** Whether the last frame was speech. */
    boolean loud() {
        return loud;
    }

    boolean inSpeech() {
        return inSpeech;
    }

    private Pcm finish() {
        // the trailing silence that ended the turn only costs recognition time: keep 200 ms of it
        // (a pause reported at most that much silence, so its audio is the utterance's when no speech came since)
        int keep = utterance.size() - Math.max(0, Math.min(quietRun, utterance.size()) - pauseKept());
        Pcm audio = joined(keep);
        utterance.clear();
        inSpeech = false;
        paused = false;
        loudRun = 0;
        quietRun = 0;
        return audio;
    }

    /** The trailing silence an utterance keeps: what a pause had when it was reported. */
    private int pauseKept() {
        return Math.min(TRAILING_FRAMES, pauseFrames);
    }

    private Pcm joined(int frames) {
        List<short[]> parts = utterance.subList(0, frames);
        int n = parts.stream().mapToInt(s -> s.length).sum();
        short[] all = new short[n];
        int pos = 0;
        for (short[] s : parts) {
            System.arraycopy(s, 0, all, pos, s.length);
            pos += s.length;
        }
        return new Pcm(all, rate);
    }
}
