package dev.aichatroom.voice;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One device's call. Its state is owned by one virtual thread that takes events from an inbox: signalling from the
 * device, and candidates, connection states and audio hand-offs from WebRTC's native threads (which only enqueue).
 * The session answers the offer, trickles candidates both ways (remote candidates wait until the offer is applied),
 * watches the connection and ends — telling the device why where that helps — when ICE does not connect in time, when
 * connectivity is lost for too long, when the device hangs up, goes away or sends garbage. Ending frees the peer
 * connection, its tracks and the pipeline's threads.
 *
 * <p>A session opened by {@code chat} alone (no offer) has no peer: it answers in text events only.
 */
final class Session implements AudioClock.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(Session.class);
    private static final int INBOX = 1024;
    /** A text-only session without activity ends after this. */
    static final Duration TEXT_IDLE = Duration.ofMinutes(10);

    /** What the session's thread reacts to. */
    sealed interface Event {
        record FromDevice(Signal signal) implements Event {}

        record LocalCandidate(Wire.CandidateData candidate) implements Event {}

        record PeerState(RtcPeer.State state) implements Event {}

        /** End the session; {@code tell} sends {@code webrtc_terminated} with the reason. */
        record End(String reason, boolean tell) implements Event {}
    }

    private final String deviceId;
    private final Outbox outbox;
    private final VoiceConfig config;
    private final Function<RtcPeer.Listener, RtcPeer> peers;
    private final Pipeline pipeline;
    private final Consumer<Session> closed;
    private final BlockingQueue<Event> inbox = new ArrayBlockingQueue<>(INBOX);
    private final List<Signal.Candidate> pendingCandidates = new ArrayList<>();
    /** Remote candidates a call takes (each costs connectivity checks); more are ignored. */
    static final int MAX_REMOTE_CANDIDATES = 64;

    private int remoteCandidates;
    /** The ICE username fragments of the offer this session answers; empty while unknown. */
    private volatile Set<String> remoteUfrags = Set.of();

    private volatile RtcPeer peer;
    private volatile boolean connected;
    private Thread thread;
    private long offerAt;
    private long answeredAt;
    private long deadline = Long.MAX_VALUE;
    private boolean remoteSet;
    private volatile String endReason = "";
    private volatile long offerToAnswerMillis = -1;
    private volatile long offerToConnectedMillis = -1;
    private final VoiceMetrics metrics;

    /**
     * @param peers opens the peer connection (empty for a text-only session: {@code null})
     * @param closed told once the session has ended and freed everything
     */
    Session(
            String deviceId,
            Outbox outbox,
            VoiceConfig config,
            Function<RtcPeer.Listener, RtcPeer> peers,
            Pipeline pipeline,
            Consumer<Session> closed,
            VoiceMetrics metrics) {
        this.metrics = metrics;
        this.deviceId = deviceId;
        this.outbox = outbox;
        this.config = config;
        this.peers = peers;
        this.pipeline = pipeline;
        this.closed = closed;
    }

    String deviceId() {
        return deviceId;
    }

    boolean hasMedia() {
        return peers != null;
    }

    void start() {
        pipeline.start();
        if (peers == null) {
            deadline = System.nanoTime() + TEXT_IDLE.toNanos();
        }
        thread = Thread.ofVirtual().name("voice-session-" + deviceId).start(this::run);
    }

    /** Remembers the offer's ICE username fragments; called by the router as it opens the session for the offer. */
    void answering(Signal.Offer offer) {
        remoteUfrags = offer.iceUfrags();
    }

    /**
     * Whether {@code c} may belong to this session's offer: false for a text-only session and for a candidate whose
     * username fragment is not the offer's (one of the device's next offer that overtook it). A candidate without a
     * fragment, or one for a session whose offer named none, is given the benefit of the doubt.
     */
    boolean mayOwn(Signal.Candidate c) {
        if (peers == null) {
            return false;
        }
        Set<String> mine = remoteUfrags;
        return mine.isEmpty() || c.ufrag().map(mine::contains).orElse(true);
    }

    /** Hands an event to the session's thread; never blocks (a full inbox ends the session). */
    void post(Event e) {
        if (!inbox.offer(e)) {
            inbox.clear();
            inbox.offer(new Event.End("too many signalling messages at once", true));
        }
    }

    /** Waits for the session's thread to finish. */
    boolean awaitEnd(Duration timeout) throws InterruptedException {
        return thread == null || thread.join(timeout);
    }

    String endReason() {
        return endReason;
    }

    long offerToAnswerMillis() {
        return offerToAnswerMillis;
    }

    long offerToConnectedMillis() {
        return offerToConnectedMillis;
    }

    private void run() {
        try {
            while (true) {
                long wait = deadline == Long.MAX_VALUE ? TimeUnit.DAYS.toNanos(1) : deadline - System.nanoTime();
                Event e = wait <= 0 ? null : inbox.poll(wait, TimeUnit.NANOSECONDS);
                if (e == null && deadline != Long.MAX_VALUE) {
                    e = timedOut();
                }
                if (e == null) {
                    continue;
                }
                if (e instanceof Event.End end) {
                    endReason = end.reason();
                    if (end.tell()) {
                        outbox.signal(new Wire.Terminated(end.reason()));
                    }
                    LOG.info("Voice session of {} ended: {}", deviceId, end.reason());
                    return;
                }
                handle(e);
            }
        } catch (InterruptedException e) {
            endReason = "the service is stopping";
        } catch (RuntimeException e) {
            LOG.error("Voice session of {} failed", deviceId, e);
            endReason = "internal error";
            outbox.signal(new Wire.Terminated("internal error"));
        } finally {
            release();
            closed.accept(this);
        }
    }

    private Event timedOut() {
        if (peer == null) {
            return new Event.End("idle", false);
        }
        if (!connected) {
            long seconds = config.iceTimeout().toSeconds();
            return answeredAt == 0
                    ? new Event.End("no offer was applied", true)
                    : new Event.End(
                            "ICE did not connect within " + seconds + " s (check VOICE_ICE_SERVERS: STUN/TURN)", true);
        }
        return new Event.End("connectivity lost for " + config.iceLostTimeout().toSeconds() + " s", true);
    }

    private void handle(Event e) {
        switch (e) {
            case Event.FromDevice d -> fromDevice(d.signal());
            case Event.LocalCandidate c -> outbox.signal(new Wire.IceCandidate(c.candidate()));
            case Event.PeerState s -> peerState(s.state());
            case Event.End end -> throw new IllegalStateException("handled by run()");
        }
    }

    private void fromDevice(Signal signal) {
        switch (signal) {
            case Signal.Offer o -> offer(o.sdp());
            case Signal.Candidate c -> candidate(c);
            case Signal.Chat c -> {
                if (peers == null) {
                    deadline = System.nanoTime() + TEXT_IDLE.toNanos();
                }
                pipeline.typed(c.text());
            }
            case Signal.Hangup h -> post(new Event.End("the device hung up", false));
            case Signal.Invalid i -> post(new Event.End(i.reason(), true));
        }
    }

    private void offer(String sdp) {
        if (peers == null || peer != null) {
            post(new Event.End("unexpected sdp_offer in this session", true));
            return;
        }
        if (!sdp.contains("m=audio")) {
            post(new Event.End("the offer has no audio (m=audio)", true));
            return;
        }
        offerAt = System.nanoTime();
        try {
            peer = peers.apply(listener());
            String answer = peer.answer(sdp);
            answeredAt = System.nanoTime();
            offerToAnswerMillis = (answeredAt - offerAt) / 1_000_000;
            remoteSet = true;
            outbox.signal(new Wire.SdpAnswer(answer));
            deadline = answeredAt + config.iceTimeout().toNanos();
            metrics.answered(offerToAnswerMillis);
            LOG.info("Voice session of {}: answered in {} ms", deviceId, offerToAnswerMillis);
            pendingCandidates.forEach(this::addCandidate);
            pendingCandidates.clear();
        } catch (RtcException e) {
            post(new Event.End(e.getMessage(), true));
        }
    }

    private void candidate(Signal.Candidate c) {
        if (++remoteCandidates > MAX_REMOTE_CANDIDATES) {
            if (remoteCandidates == MAX_REMOTE_CANDIDATES + 1) {
                LOG.debug(
                        "Voice session of {}: more than {} candidates, the rest ignored",
                        deviceId,
                        MAX_REMOTE_CANDIDATES);
            }
            return;
        }
        if (peers == null) {
            post(new Event.End("ice_candidate before sdp_offer", true));
        } else if (!remoteSet) {
            pendingCandidates.add(c);
        } else {
            addCandidate(c);
        }
    }

    private void addCandidate(Signal.Candidate c) {
        if (c.candidate().isBlank()) {
            return; // end of candidates
        }
        try {
            peer.addCandidate(c.candidate(), c.sdpMid(), c.sdpMLineIndex());
        } catch (RtcException e) {
            // a stale or unreachable candidate (e.g. an unresolved mDNS name) does not end a call
            LOG.debug("Candidate from {} ignored: {}", deviceId, e.getMessage());
        }
    }

    private void peerState(RtcPeer.State state) {
        switch (state) {
            case CONNECTED -> {
                if (!connected && offerToConnectedMillis < 0) {
                    offerToConnectedMillis = (System.nanoTime() - offerAt) / 1_000_000;
                    metrics.connected(offerToConnectedMillis);
                    LOG.info("Voice session of {}: connected {} ms after the offer", deviceId, offerToConnectedMillis);
                }
                connected = true;
                deadline = Long.MAX_VALUE;
            }
            case DISCONNECTED -> {
                if (connected && deadline == Long.MAX_VALUE) {
                    deadline = System.nanoTime() + config.iceLostTimeout().toNanos();
                }
            }
            case FAILED -> post(new Event.End("the ICE connection failed", true));
            // the session closes its own peer only in release(), after its last event: this is the device's doing
            case CLOSED -> post(new Event.End("the device closed the connection", true));
            case CONNECTING -> {}
        }
    }

    private RtcPeer.Listener listener() {
        return new RtcPeer.Listener() {
            @Override
            public void candidate(Wire.CandidateData candidate) {
                post(new Event.LocalCandidate(candidate));
            }

            @Override
            public void state(RtcPeer.State state) {
                post(new Event.PeerState(state));
            }

            @Override
            public void audio(byte[] pcm, int sampleRate, int channels) {
                pipeline.hear(pcm, sampleRate, channels);
            }
        };
    }

    @Override
    public void tick() {
        RtcPeer p = peer;
        if (p != null && connected) {
            p.send(pipeline.nextFrame());
        }
    }

    private void release() {
        RtcPeer p = peer;
        connected = false;
        peer = null;
        pipeline.close();
        if (p != null) {
            p.close();
        }
    }
}
