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
 * @param limits what one device and all devices together may ask of the WebRTC engine
 */
public record VoiceConfig(
        boolean enabled,
        List<IceServer> iceServers,
        Duration iceTimeout,
        Duration iceLostTimeout,
        int maxSessions,
        String room,
        SpeechConfig speech,
        Turns turns,
        Limits limits) {
    public VoiceConfig {
        iceServers = List.copyOf(iceServers);
    }

    /**
     * Voice activity detection and end of turn.
     *
     * @param thresholdDbfs a 10 ms frame louder than this is speech (with Silero: a quieter frame never is)
     * @param startSpeech this much speech in a row starts an utterance (and interrupts a reply: barge-in)
     * @param endSilence this much silence after speech ends the turn
     * @param maxUtterance an utterance is cut here
     * @param bargeIn whether speaking over a reply stops it
     * @param vad what tells speech from silence ({@code VOICE_VAD})
     * @param energyEndSilence the end-of-turn silence of the energy detector, where it stands in for Silero
     */
    public record Turns(
            double thresholdDbfs,
            Duration startSpeech,
            Duration endSilence,
            Duration maxUtterance,
            boolean bargeIn,
            Vad vad,
            Duration energyEndSilence) {
        /** The energy detector alone. */
        public Turns(
                double thresholdDbfs,
                Duration startSpeech,
                Duration endSilence,
                Duration maxUtterance,
                boolean bargeIn) {
            this(thresholdDbfs, startSpeech, endSilence, maxUtterance, bargeIn, Vad.ENERGY, endSilence);
        }

        /** These turns with the energy detector, for when Silero cannot load. */
        public Turns energy() {
            return new Turns(
                    thresholdDbfs, startSpeech, energyEndSilence, maxUtterance, bargeIn, Vad.ENERGY, energyEndSilence);
        }
    }

    /** Voice activity detectors. */
    public enum Vad {
        /** Silero VAD through ONNX Runtime: speech, not loudness, so a shorter end-of-turn silence does. */
        SILERO,
        /** Loudness above {@code VOICE_VAD_THRESHOLD_DBFS}. */
        ENERGY
    }

    /** The end-of-turn silence by default: Silero VAD tells a pause from noise, the energy detector needs longer. */
    public static final Duration SILERO_END_SILENCE = Duration.ofMillis(300);

    /**
     * Limits on offers (decision 0012).
     *
     * @param offersPerMinute offers one device may make a minute (after a burst of {@link #OFFER_BURST}); all devices
     *     together may make {@code maxSessions} times as many
     * @param reservedSessions session slots anonymous devices cannot take, kept for devices that logged in with an
     *     account or a token (the product's voice page gets one in every mode); the embedded broker tells who is who
     * @param udpPorts the UDP port range WebRTC binds its sockets in; empty = any free port
     */
    public record Limits(int offersPerMinute, int reservedSessions, java.util.Optional<PortRange> udpPorts) {
        public static final int OFFER_BURST = 4;
    }

    /** An inclusive UDP port range. */
    public record PortRange(int min, int max) {
        public PortRange {
            if (min < 1 || max > 65_535 || min > max) {
                throw new IllegalArgumentException("not a port range: " + min + "-" + max);
            }
        }
    }

    public static Limits defaultLimits(int maxSessions) {
        return new Limits(12, maxSessions / 4, java.util.Optional.empty());
    }

    public static Turns defaultTurns() {
        return new Turns(-45, Duration.ofMillis(80), Duration.ofMillis(700), Duration.ofSeconds(15), true);
    }
}
