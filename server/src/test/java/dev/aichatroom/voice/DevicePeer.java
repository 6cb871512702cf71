package dev.aichatroom.voice;

import dev.aichatroom.voice.speech.Pcm;
import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.PeerConnectionObserver;
import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCOfferOptions;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCRtpSender;
import dev.onvoid.webrtc.RTCRtpTransceiver;
import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.RTCSessionDescription;
import dev.onvoid.webrtc.media.audio.AudioTrack;
import dev.onvoid.webrtc.media.audio.CustomAudioSource;
import dev.onvoid.webrtc.media.audio.HeadlessAudioDeviceModule;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The test's "device": a real webrtc-java peer whose factory (and so its network thread) lives in a {@link NetNs}.
 * It offers audio, sends a microphone signal the test chooses in real time, and measures what it hears.
 */
final class DevicePeer {
    /** One factory per test class: its threads are part of the resource baseline. */
    static final class Factory implements AutoCloseable {
        private final HeadlessAudioDeviceModule adm;
        private final PeerConnectionFactory factory;

        Factory(NetNs ns) throws Exception {
            CompletableFuture<Object[]> made = new CompletableFuture<>();
            Thread t = Thread.ofPlatform().name("device-factory").start(() -> {
                try {
                    ns.enter();
                    HeadlessAudioDeviceModule a = new HeadlessAudioDeviceModule();
                    a.initPlayout();
                    a.startPlayout();
                    made.complete(new Object[] {a, new PeerConnectionFactory(a)});
                } catch (Throwable e) {
                    made.completeExceptionally(e);
                }
            });
            Object[] both = made.get(20, TimeUnit.SECONDS);
            t.join();
            adm = (HeadlessAudioDeviceModule) both[0];
            factory = (PeerConnectionFactory) both[1];
        }

        DevicePeer open(Consumer<RTCIceCandidate> candidates) {
            return new DevicePeer(factory, candidates);
        }

        @Override
        public void close() {
            factory.dispose();
            adm.stopPlayout();
            adm.dispose();
        }
    }

    private final RTCPeerConnection pc;
    private final CustomAudioSource mic = new CustomAudioSource();
    private final AudioTrack micTrack;
    private final AtomicReference<RTCPeerConnectionState> state = new AtomicReference<>(RTCPeerConnectionState.NEW);
    final AtomicLong connectedAt = new AtomicLong();
    final AtomicLong firstLoudAt = new AtomicLong();
    final AtomicLong lastLoudAt = new AtomicLong();
    /** When the microphone first carried sound since the last {@link #say}. */
    final AtomicLong spokeFrom = new AtomicLong();

    final AtomicLong loudFrames = new AtomicLong();
    final AtomicLong heardFrames = new AtomicLong();
    private final List<Runnable> cleanup = new CopyOnWriteArrayList<>();
    private volatile Pcm microphone = SILENT;
    private volatile boolean talking = true;
    private final Thread talker;

    private DevicePeer(PeerConnectionFactory factory, Consumer<RTCIceCandidate> candidates) {
        pc = factory.createPeerConnection(new RTCConfiguration(), new PeerConnectionObserver() {
            @Override
            public void onIceCandidate(RTCIceCandidate candidate) {
                candidates.accept(candidate);
            }

            @Override
            public void onConnectionChange(RTCPeerConnectionState s) {
                state.set(s);
                if (s == RTCPeerConnectionState.CONNECTED) {
                    connectedAt.compareAndSet(0, System.nanoTime());
                }
            }

            @Override
            public void onTrack(RTCRtpTransceiver transceiver) {
                if (transceiver.getReceiver().getTrack() instanceof AudioTrack audio) {
                    dev.onvoid.webrtc.media.audio.AudioTrackSink sink = (data, bits, rate, channels, frames) -> {
                        heardFrames.incrementAndGet();
                        if (Pcm.fromLittleEndian(data, 0, frames * channels * 2, rate)
                                        .levelDbfs()
                                > -40) {
                            loudFrames.incrementAndGet();
                            long now = System.nanoTime();
                            firstLoudAt.compareAndSet(0, now);
                            lastLoudAt.set(now);
                        }
                    };
                    audio.addSink(sink);
                    cleanup.add(() -> audio.removeSink(sink));
                }
            }
        });
        micTrack = factory.createAudioTrack("mic", mic);
        pc.addTrack(micTrack, List.of("device"));
        talker = Thread.ofPlatform().name("device-mic").daemon(true).start(this::talk);
    }

    /** Pushes the microphone signal in 10 ms frames at real-time pace, silence after it. */
    private void talk() {
        long next = System.nanoTime();
        int pos = 0;
        Pcm playing = SILENT;
        byte[] frame = new byte[960];
        while (talking) {
            Pcm m = microphone;
            if (m != playing) { // a new say(): from its first sample, whenever in the loop it came
                playing = m;
                pos = 0;
            }
            short[] s = m.samples();
            java.util.Arrays.fill(frame, (byte) 0);
            for (int i = 0; i < 480 && pos < s.length; i++, pos++) {
                frame[2 * i] = (byte) s[pos];
                frame[2 * i + 1] = (byte) (s[pos] >> 8);
            }
            if (m != SILENT
                    && spokeFrom.get() == 0
                    && Pcm.fromLittleEndian(frame, 0, 960, 48_000).levelDbfs() > -40) {
                spokeFrom.set(System.nanoTime());
            }
            if (m != SILENT
                    && pos <= s.length
                    && Pcm.fromLittleEndian(frame, 0, 960, 48_000).levelDbfs() > -45) {
                micLoudUntil.set(System.nanoTime());
            }
            if (pos >= s.length && m != SILENT) {
                spokeUntil.compareAndSet(0, System.nanoTime());
            }
            mic.pushAudio(frame, 16, 48_000, 1, 480);
            next += 10_000_000;
            LockSupport.parkNanos(next - System.nanoTime());
        }
    }

    private static final Pcm SILENT = Pcm.silence(java.time.Duration.ofMillis(10), 48_000);
    final AtomicLong spokeUntil = new AtomicLong();
    /** When the microphone last sent a frame of speech (louder than -45 dBFS, the service's threshold). */
    final AtomicLong micLoudUntil = new AtomicLong();

    /** Starts saying {@code speech} (resampled to 48 kHz) into the microphone. */
    void say(Pcm speech) {
        spokeUntil.set(0);
        spokeFrom.set(0);
        micLoudUntil.set(0);
        microphone = speech.resample(48_000);
    }

    String offer() throws Exception {
        CompletableFuture<RTCSessionDescription> made = new CompletableFuture<>();
        pc.createOffer(new RTCOfferOptions(), NativeRtc.whenCreated(made));
        RTCSessionDescription offer = made.get(10, TimeUnit.SECONDS);
        CompletableFuture<Void> set = new CompletableFuture<>();
        pc.setLocalDescription(offer, NativeRtc.whenSet(set));
        set.get(10, TimeUnit.SECONDS);
        return offer.sdp;
    }

    void answer(String sdp) throws Exception {
        CompletableFuture<Void> set = new CompletableFuture<>();
        pc.setRemoteDescription(new RTCSessionDescription(RTCSdpType.ANSWER, sdp), NativeRtc.whenSet(set));
        set.get(10, TimeUnit.SECONDS);
    }

    void candidate(String candidate, String mid, int index) {
        pc.addIceCandidate(new RTCIceCandidate(mid, index, candidate));
    }

    RTCPeerConnectionState state() {
        return state.get();
    }

    void close() {
        talking = false;
        try {
            talker.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        cleanup.forEach(Runnable::run);
        for (RTCRtpSender s : pc.getSenders()) {
            pc.removeTrack(s);
        }
        pc.close();
        micTrack.dispose();
        mic.dispose();
    }
}
