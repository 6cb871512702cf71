package dev.aichatroom.voice.speech;

/**
 * Turns one utterance into text. Implementations: Sphinx4 with a command grammar (embedded default), Vosk and
 * whisper.cpp with a model the user supplies, and any OpenAI-compatible {@code /v1/audio/transcriptions} API.
 * {@link #transcribe} blocks; callers run it on a virtual thread. Implementations are safe to call from several
 * threads (they serialise internally where the engine needs it).
 */
public interface SpeechToText extends AutoCloseable {
    /** The rate the engine wants; {@link #transcribe} resamples other rates to it. */
    int sampleRate();

    /**
     * The words spoken, or an empty string when nothing was recognised.
     *
     * @throws SpeechException when the engine fails
     */
    String transcribe(Pcm audio);

    /** Engine and model, for logs and {@code /health}. */
    String describe();

    /** Loads the model now rather than on the first utterance. */
    default void warmUp() {}

    @Override
    default void close() {}
}
