package dev.aichatroom.voice;

/** The WebRTC engine refused something; the message is safe to send to the device as a termination reason. */
final class RtcException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RtcException(String message) {
        super(message);
    }

    RtcException(String message, Throwable cause) {
        super(message, cause);
    }
}
