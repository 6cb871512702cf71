package dev.aichatroom.voice.speech;

/** A speech engine could not do its work; the message says why and, where it can, how to fix it. */
public final class SpeechException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SpeechException(String message) {
        super(message);
    }

    public SpeechException(String message, Throwable cause) {
        super(message, cause);
    }
}
