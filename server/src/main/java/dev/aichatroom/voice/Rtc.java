package dev.aichatroom.voice;

/**
 * The WebRTC engine behind one small seam: peers that answer an offer, trickle candidates, hand over the device's audio
 * and send audio back. {@link NativeRtc} is libwebrtc through webrtc-java; tests may use their own.
 */
interface Rtc extends AutoCloseable {
    /** A new peer connection with one outgoing audio track. Its listener is called on WebRTC's threads. */
    RtcPeer open(RtcPeer.Listener listener);

    @Override
    void close();
}
