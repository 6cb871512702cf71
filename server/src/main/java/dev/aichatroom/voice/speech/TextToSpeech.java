package dev.aichatroom.voice.speech;

/**
 * Turns text into audio. Implementations: espeak-ng (a subprocess; Chinese and English) when installed, FreeTTS (pure
 * Java, English) as the fallback, and any OpenAI-compatible {@code /v1/audio/speech} API. {@link #synthesize} blocks;
 * callers run it on a virtual thread. Implementations are safe to call from several threads.
 */
public interface TextToSpeech extends AutoCloseable {
    /**
     * Speech for {@code text}, at the engine's own rate (callers resample).
     *
     * @throws SpeechException when the engine fails
     */
    Pcm synthesize(String text);

    /** Engine and voice, for logs and {@code /health}. */
    String describe();

    /** Loads the model (or starts getting it) now rather than on the first sentence. */
    default void warmUp() {}

    @Override
    default void close() {}
}
