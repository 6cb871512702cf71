package dev.aichatroom.voice;

/** Where one device's messages go: signalling on {@code $webrtc/{id}}, voice events on {@code $message/{id}}. */
interface Outbox {
    void signal(Object payload);

    void event(Object payload);
}
