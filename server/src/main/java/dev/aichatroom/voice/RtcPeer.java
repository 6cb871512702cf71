package dev.aichatroom.voice;

import java.util.Optional;

/** One peer connection. Methods block briefly and are called by the owning session's thread only. */
interface RtcPeer extends AutoCloseable {
    /** Connection states that matter to a session. */
    enum State {
        CONNECTING,
        CONNECTED,
        DISCONNECTED,
        FAILED,
        CLOSED
    }

    /** Called on WebRTC's native threads: must hand off and return at once. */
    interface Listener {
        void candidate(Wire.CandidateData candidate);

        void state(State state);

        /** 10 ms of the device's audio, 16-bit little-endian; the array is the listener's to keep. */
        void audio(byte[] pcm, int sampleRate, int channels);
    }

    /**
     * Applies the device's offer and returns the answer, already set as the local description.
     *
     * @throws RtcException when the offer is unusable or the engine fails
     */
    String answer(String offerSdp);

    /** @throws RtcException when the candidate is unusable */
    void addCandidate(String candidate, Optional<String> sdpMid, int sdpMLineIndex);

    /** Sends 10 ms of 48 kHz mono 16-bit little-endian audio (960 bytes). Any thread. */
    void send(byte[] frame);

    /** Closes the connection and frees every native object it holds. Idempotent. */
    @Override
    void close();
}
