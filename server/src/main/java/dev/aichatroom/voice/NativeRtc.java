package dev.aichatroom.voice;

import dev.onvoid.webrtc.CreateSessionDescriptionObserver;
import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.PeerConnectionObserver;
import dev.onvoid.webrtc.PortAllocatorConfig;
import dev.onvoid.webrtc.RTCAnswerOptions;
import dev.onvoid.webrtc.RTCBundlePolicy;
import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCIceServer;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCRtcpMuxPolicy;
import dev.onvoid.webrtc.RTCRtpSender;
import dev.onvoid.webrtc.RTCRtpTransceiver;
import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.RTCSessionDescription;
import dev.onvoid.webrtc.SetSessionDescriptionObserver;
import dev.onvoid.webrtc.media.MediaStreamTrack;
import dev.onvoid.webrtc.media.audio.AudioTrack;
import dev.onvoid.webrtc.media.audio.AudioTrackSink;
import dev.onvoid.webrtc.media.audio.CustomAudioSource;
import dev.onvoid.webrtc.media.audio.HeadlessAudioDeviceModule;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * libwebrtc through webrtc-java: one factory with a headless audio device module (a factory without one aborts the
 * JVM where there is no sound card), one peer connection per session. webrtc-java reports failures as {@link Error}s
 * thrown from its native methods; they become {@link RtcException}s here.
 */
final class NativeRtc implements Rtc {
    private static final long STEP_TIMEOUT_SECONDS = 10;
    private static final Pattern UFRAG = Pattern.compile(" ufrag (\\S+)");
    private static final Pattern SDP_UFRAG = Pattern.compile("a=ice-ufrag:(\\S+)");

    private final HeadlessAudioDeviceModule audioModule;
    private final PeerConnectionFactory factory;
    private final List<IceServer> iceServers;
    private final Optional<VoiceConfig.PortRange> udpPorts;
    private final AtomicInteger ids = new AtomicInteger();

    private NativeRtc(
            HeadlessAudioDeviceModule audioModule,
            PeerConnectionFactory factory,
            List<IceServer> servers,
            Optional<VoiceConfig.PortRange> udpPorts) {
        this.audioModule = audioModule;
        this.factory = factory;
        this.iceServers = List.copyOf(servers);
        this.udpPorts = udpPorts;
    }

    /**
     * Loads the native library and starts the factory.
     *
     * @throws RtcException when this machine cannot run it, saying what to install
     */
    static NativeRtc start(List<IceServer> iceServers, Optional<VoiceConfig.PortRange> udpPorts) {
        HeadlessAudioDeviceModule adm;
        try {
            adm = new HeadlessAudioDeviceModule();
        } catch (LinkageError e) {
            throw new RtcException(explain(e), e);
        }
        try {
            adm.initPlayout();
            adm.startPlayout();
            return new NativeRtc(adm, new PeerConnectionFactory(adm), iceServers, udpPorts);
        } catch (Error e) {
            rethrowFatal(e);
            adm.dispose();
            throw new RtcException("WebRTC cannot start: " + e.getMessage(), e);
        }
    }

    static String explain(Throwable e) {
        String m = String.valueOf(e.getMessage());
        for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
            m += " " + c.getMessage();
        }
        if (m.contains("libpulse")) {
            return "the WebRTC native library needs libpulse0: apt-get install libpulse0";
        }
        return "the WebRTC native library cannot load (" + e.getClass().getSimpleName() + ": " + m.strip()
                + "); it needs Linux x86_64 with glibc and libpulse0 (apt-get install libpulse0)";
    }

    @Override
    public RtcPeer open(RtcPeer.Listener listener) {
        RTCConfiguration config = new RTCConfiguration();
        for (IceServer s : iceServers) {
            RTCIceServer server = new RTCIceServer();
            server.urls = s.urls();
            s.username().ifPresent(u -> server.username = u);
            s.credential().ifPresent(c -> server.password = c);
            config.iceServers.add(server);
        }
        // one transport per call (OfferCheck lets only bundled, RTCP-multiplexed offers through), UDP only: one socket
        // per network interface (and TURN server), never one per media section or a TCP listener per interface
        config.bundlePolicy = RTCBundlePolicy.MAX_BUNDLE;
        config.rtcpMuxPolicy = RTCRtcpMuxPolicy.REQUIRE;
        PortAllocatorConfig ports = new PortAllocatorConfig().setDisableTcp(true);
        udpPorts.ifPresent(r -> {
            ports.minPort = r.min();
            ports.maxPort = r.max();
        });
        config.portAllocatorConfig = ports;
        Peer peer = new Peer(listener);
        try {
            peer.pc = factory.createPeerConnection(config, peer);
            peer.source = new CustomAudioSource();
            peer.track = factory.createAudioTrack("voice-" + ids.incrementAndGet(), peer.source);
            return peer;
        } catch (Error e) {
            rethrowFatal(e);
            peer.close();
            throw new RtcException("cannot create a peer connection: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        factory.dispose();
        audioModule.stopPlayout();
        audioModule.dispose();
    }

    /** Completes {@code done} when a description is set, or fails it with an {@link RtcException}. */
    static SetSessionDescriptionObserver whenSet(CompletableFuture<Void> done) {
        return new SetSessionDescriptionObserver() {
            @Override
            public void onSuccess() {
                done.complete(null);
            }

            @Override
            public void onFailure(String error) {
                done.completeExceptionally(new RtcException(error));
            }
        };
    }

    /** Completes {@code created} with the offer or answer made, or fails it with an {@link RtcException}. */
    static CreateSessionDescriptionObserver whenCreated(CompletableFuture<RTCSessionDescription> created) {
        return new CreateSessionDescriptionObserver() {
            @Override
            public void onSuccess(RTCSessionDescription description) {
                created.complete(description);
            }

            @Override
            public void onFailure(String error) {
                created.completeExceptionally(new RtcException(error));
            }
        };
    }

    private static void rethrowFatal(Error e) {
        if (e instanceof VirtualMachineError || e instanceof LinkageError) {
            throw e;
        }
    }

    private static final class Peer implements RtcPeer, PeerConnectionObserver, AudioTrackSink {
        private final Listener listener;
        private final ReentrantLock lock = new ReentrantLock();
        private RTCPeerConnection pc;
        private CustomAudioSource source;
        private AudioTrack track;
        private AudioTrack remote;
        private volatile String localUfrag;
        private boolean closed;

        Peer(Listener listener) {
            this.listener = listener;
        }

        @Override
        public String answer(String offerSdp) {
            try {
                RTCSessionDescription offer = new RTCSessionDescription(RTCSdpType.OFFER, offerSdp);
                CompletableFuture<Void> remoteSet = new CompletableFuture<>();
                pc.setRemoteDescription(offer, whenSet(remoteSet));
                await(remoteSet, "the offer was refused");
                // after the offer, so that the track takes the offer's audio transceiver (sendrecv)
                pc.addTrack(track, List.of("voice"));
                CompletableFuture<RTCSessionDescription> created = new CompletableFuture<>();
                pc.createAnswer(new RTCAnswerOptions(), whenCreated(created));
                RTCSessionDescription answer = await(created, "no answer could be created");
                CompletableFuture<Void> localSet = new CompletableFuture<>();
                pc.setLocalDescription(answer, whenSet(localSet));
                await(localSet, "the answer could not be applied");
                Matcher m = SDP_UFRAG.matcher(answer.sdp);
                localUfrag = m.find() ? m.group(1) : null;
                return OpusDtx.request(answer.sdp);
            } catch (Error e) {
                rethrowFatal(e);
                throw new RtcException("invalid offer: " + firstLine(e.getMessage()), e);
            }
        }

        private static <T> T await(CompletableFuture<T> step, String what) {
            try {
                return step.get(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                throw new RtcException(what + ": " + firstLine(e.getCause().getMessage()), e.getCause());
            } catch (TimeoutException e) {
                throw new RtcException(what + ": no result within " + STEP_TIMEOUT_SECONDS + " s");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RtcException("interrupted");
            }
        }

        @Override
        public void addCandidate(String candidate, Optional<String> sdpMid, int sdpMLineIndex) {
            try {
                pc.addIceCandidate(new RTCIceCandidate(sdpMid.orElse(""), sdpMLineIndex, candidate));
            } catch (Error e) {
                rethrowFatal(e);
                throw new RtcException("invalid ICE candidate: " + firstLine(e.getMessage()), e);
            }
        }

        @Override
        public void send(byte[] frame) {
            if (!lock.tryLock()) {
                return; // closing
            }
            try {
                if (!closed && source != null) {
                    source.pushAudio(frame, 16, 48_000, 1, frame.length / 2);
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            lock.lock();
            try {
                if (closed) {
                    return;
                }
                closed = true;
                // this order, or the track cannot be disposed ("a reference is still around")
                quietly(() -> {
                    if (remote != null) {
                        remote.removeSink(this);
                    }
                });
                quietly(() -> {
                    if (pc != null) {
                        for (RTCRtpSender sender : pc.getSenders()) {
                            pc.removeTrack(sender);
                        }
                    }
                });
                quietly(() -> {
                    if (pc != null) {
                        pc.close();
                    }
                });
                quietly(() -> {
                    if (track != null) {
                        track.dispose();
                    }
                });
                quietly(() -> {
                    if (source != null) {
                        source.dispose();
                    }
                });
            } finally {
                lock.unlock();
            }
        }

        private static void quietly(Runnable step) {
            try {
                step.run();
            } catch (Error e) {
                rethrowFatal(e);
                org.slf4j.LoggerFactory.getLogger(NativeRtc.class)
                        .warn("WebRTC clean-up step failed: {}", e.getMessage());
            }
        }

        // ---- native callbacks: hand off, never block ----

        @Override
        public void onIceCandidate(RTCIceCandidate c) {
            Matcher m = UFRAG.matcher(c.sdp);
            Optional<String> ufrag = m.find() ? Optional.of(m.group(1)) : Optional.ofNullable(localUfrag);
            listener.candidate(new Wire.CandidateData(c.sdp, c.sdpMid, c.sdpMLineIndex, ufrag));
        }

        @Override
        public void onConnectionChange(RTCPeerConnectionState state) {
            listener.state(
                    switch (state) {
                        case NEW, CONNECTING -> State.CONNECTING;
                        case CONNECTED -> State.CONNECTED;
                        case DISCONNECTED -> State.DISCONNECTED;
                        case FAILED -> State.FAILED;
                        case CLOSED -> State.CLOSED;
                    });
        }

        @Override
        public void onTrack(RTCRtpTransceiver transceiver) {
            MediaStreamTrack t = transceiver.getReceiver().getTrack();
            // tryLock: a native thread never waits; the lock is only ever held elsewhere by close()
            if (t instanceof AudioTrack audio
                    && MediaStreamTrack.AUDIO_TRACK_KIND.equals(t.getKind())
                    && lock.tryLock()) {
                try {
                    if (!closed && remote == null) {
                        remote = audio;
                        audio.addSink(this);
                    }
                } finally {
                    lock.unlock();
                }
            }
        }

        @Override
        public void onData(byte[] data, int bitsPerSample, int sampleRate, int channels, int frames) {
            if (bitsPerSample == 16) {
                listener.audio(data.clone(), sampleRate, channels);
            }
        }

        private static String firstLine(String s) {
            if (s == null) {
                return "unknown error";
            }
            String line = s.lines().findFirst().orElse(s).strip();
            return line.length() > 200 ? line.substring(0, 200) + "…" : line;
        }
    }
}
