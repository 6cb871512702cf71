package dev.aichatroom.voice;

import dev.aichatroom.voice.speech.SpeechConfig;
import java.time.Duration;
import java.util.List;

/**
 * Settings of the voice companion ({@code VOICE_*} in {@code .env.example}).
 *
 * @param enabled {@code VOICE_ENABLE}
 * @param iceServers STUN/TURN servers; empty = host candidates only (same network)
 * @param iceTimeout an answered session that is not connected by then ends
 * @param iceLostTimeout a connected session whose ICE stays disconnected (consent lost) this long ends
 * @param maxSessions devices in a call at once; more are turned away
 * @param room the chat room where voice turns appear
 * @param speech the speech engines
 * @param turns when a spoken turn starts and ends
 */
public record VoiceConfig(
        boolean enabled,
        List<IceServer> iceServers,
        Duration iceTimeout,
        Duration iceLostTimeout,
        int maxSessions,
        String room,
        SpeechConfig speech,
        Turns turns) {
    public VoiceConfig {
        iceServers = List.copyOf(iceServers);
    }

    /**
     * Voice activity detection and end of turn.
     *
     * @param thresholdDbfs a 10 ms frame louder than this is speech
     * @param startSpeech this much speech in a row starts an utterance (and interrupts a reply: barge-in)
     * @param endSilence this much silence after speech ends the turn
     * @param maxUtterance an utterance is cut here
     * @param bargeIn whether speaking over a reply stops it
     */
    public record Turns(
            double thresholdDbfs, Duration startSpeech, Duration endSilence, Duration maxUtterance, boolean bargeIn) {}

    public static Turns defaultTurns() {
        return new Turns(-45, Duration.ofMillis(80), Duration.ofMillis(700), Duration.ofSeconds(15), true);
    }
}
