package dev.aichatroom.voice;

import dev.aichatroom.ai.Assistant;
import dev.aichatroom.chat.ChatService;
import dev.aichatroom.mqtt.Inbound;
import dev.aichatroom.mqtt.InstancePresence;
import dev.aichatroom.mqtt.MqttConnection;
import dev.aichatroom.mqtt.MqttSettings;
import dev.aichatroom.voice.speech.SpeechEngines;
import dev.aichatroom.voice.speech.SpeechException;
import dev.aichatroom.voice.speech.SpeechToText;
import dev.aichatroom.voice.speech.TextToSpeech;
import dev.aichatroom.web.Health;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The voice companion (PROTOCOL.md §3, §4): the multimedia proxy that answers each device's WebRTC offer on {@code
 * $webrtc/{id}/multimedia_proxy}, listens to its audio, and answers through the room's assistant in speech and in
 * {@code $message/{id}} events. One {@link Session} per device; a new offer replaces the device's session.
 *
 * <p>Where the WebRTC native library cannot load (no libpulse0, another platform) the service still starts: it logs
 * one line saying what to install, shows voice disabled on {@code /health}, and answers offers with {@code
 * webrtc_terminated} and the reason; everything else of the product keeps working.
 */
public final class VoiceService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VoiceService.class);
    static final int EARLY_CANDIDATE_SECONDS = 5;
    /** Where instances that can answer calls announce themselves. */
    static final String INSTANCES = "aichatroom/voice/instances/";

    private static final int MAX_EARLY_CANDIDATES = 32;

    /** Publishes one message; the service's MQTT connection in production. */
    interface Publisher {
        void publish(String topic, byte[] payload);
    }

    private final VoiceConfig config;
    private final Publisher publisher;
    private final Supplier<Rtc> rtcStarter;
    private final Agent agent;
    private final Supplier<SpeechToText> sttFactory;
    private final Supplier<TextToSpeech> ttsFactory;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    /** Candidates that arrived before their device's offer (they race it from another thread of the device). */
    private final Map<String, List<Signal.Candidate>> early = new ConcurrentHashMap<>();

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("voice-timer").daemon(true).factory());
    private volatile Optional<Rtc> rtc = Optional.empty();
    private volatile Optional<String> unavailable = Optional.of("not started");
    private volatile boolean warmed;
    private volatile SpeechToText stt;
    private volatile TextToSpeech tts;
    /** Silero VAD where {@code VOICE_VAD=silero} and the model loaded; else the energy detector judges speech. */
    private volatile Optional<SileroVad> vad = Optional.empty();

    private volatile String turnDetection = "";
    private volatile AudioClock clock;
    private final VoiceMetrics metrics;
    /** Offers per device, and (key {@code *}) of all devices together. Guarded by itself. */
    private final dev.aichatroom.chat.RateLimiter offers;

    private final dev.aichatroom.chat.RateLimiter allOffers;
    /** Whether each device that sent signalling logged in (account or token); known only on the embedded broker. */
    private final Map<String, Boolean> loggedIn = new ConcurrentHashMap<>();
    /** Set where the broker is external: other instances may share it, and only one of them answers calls. */
    private Optional<MqttSettings> externalBroker = Optional.empty();

    private volatile Optional<InstancePresence> presence = Optional.empty();
    private volatile boolean closed;
    /** Whether this instance takes new calls: always with the embedded broker, else when elected. */
    private volatile boolean answering = true;
    /** The role last logged; null before the first election. Guarded by {@code this}. */
    private Boolean elected;

    /** Signalling that came while the engines and WebRTC load in the background, in order; null once loaded. */
    private List<Runnable> held;
    /** Whether the service's connection was ready, and whether this instance joined the election. Guarded by held's lock. */
    private boolean brokerIsReady;

    private boolean joinedElection;
    private final Object holding = new Object();
    private volatile Thread loader;
    private volatile boolean loading;

    /** Registers the signalling subscription on {@code mqtt}; call before the connection connects. */
    public VoiceService(
            VoiceConfig config,
            MqttConnection mqtt,
            ChatService chat,
            Assistant assistant,
            java.util.function.Function<String, dev.aichatroom.ai.ToolProvider> deviceTools,
            io.micrometer.core.instrument.MeterRegistry meters,
            Optional<MqttSettings> externalBroker) {
        this(
                config,
                (topic, payload) -> mqtt.publish(topic, payload, false).whenComplete((ok, e) -> {
                    if (e != null) {
                        LOG.debug("Voice publish on {} failed: {}", topic, e.getMessage());
                    }
                }),
                () -> NativeRtc.start(config.iceServers(), config.limits().udpPorts()),
                new RoomAgent(chat, assistant, config.room(), deviceTools),
                () -> SpeechEngines.speechToText(config.speech()),
                () -> SpeechEngines.textToSpeech(config.speech()),
                meters);
        this.externalBroker = externalBroker;
        this.answering = externalBroker.isEmpty();
        if (config.enabled()) {
            mqtt.subscribe(VoiceTopics.SIGNALLING_IN, this::onInbound);
            mqtt.subscribe(VoiceTopics.EVENTS_IN, this::onInbound);
        }
    }

    VoiceService(
            VoiceConfig config,
            Publisher publisher,
            Supplier<Rtc> rtcStarter,
            Agent agent,
            Supplier<SpeechToText> stt,
            Supplier<TextToSpeech> tts,
            io.micrometer.core.instrument.MeterRegistry meters) {
        this.config = config;
        this.publisher = publisher;
        this.rtcStarter = rtcStarter;
        this.agent = agent;
        this.sttFactory = stt;
        this.ttsFactory = tts;
        this.metrics = new VoiceMetrics(meters, sessions);
        metrics.answering(() -> answering && rtc.isPresent());
        int perMinute = config.limits().offersPerMinute();
        this.offers = new dev.aichatroom.chat.RateLimiter(perMinute, VoiceConfig.Limits.OFFER_BURST);
        this.allOffers = new dev.aichatroom.chat.RateLimiter(
                perMinute * config.maxSessions(), VoiceConfig.Limits.OFFER_BURST * config.maxSessions());
    }

    /**
     * The embedded broker tells who sent signalling (before it is delivered): whether {@code deviceId} logged in with an
     * account or a token. Never blocks.
     */
    public void sender(String deviceId, boolean authenticated) {
        loggedIn.put(deviceId, authenticated);
    }

    /**
     * Loads WebRTC and the speech engines on a thread of its own, so that the chat is up meanwhile: {@code /health}
     * says voice is loading, and signalling that comes before it is done waits for it and is then handled in order.
     */
    public void startInBackground() {
        startInBackground(CompletableFuture.completedFuture(null));
    }

    /**
     * As {@link #startInBackground()}, but the loading begins once {@code after} completes (the product's start:
     * when HTTP listens, so that the engines' class loading, native libraries and garbage are not on the two cores
     * while the chat starts); signalling is held from now on.
     */
    public void startInBackground(CompletionStage<?> after) {
        if (!config.enabled()) {
            start();
            return;
        }
        synchronized (holding) {
            held = new java.util.ArrayList<>();
        }
        loading = true;
        after.thenRun(this::loadOnThread);
    }

    private void loadOnThread() {
        loader = Thread.ofPlatform().name("voice-start").daemon(true).start(() -> {
            try {
                start();
            } finally {
                loading = false;
                releaseHeld();
                joinElectionOnceReady();
            }
        });
    }

    /** Waits until a background start is done (tests, and a stop). */
    public void awaitLoaded(Duration timeout) throws InterruptedException {
        Thread t = loader;
        if (t != null) {
            t.join(timeout);
        }
    }

    private void releaseHeld() {
        while (true) {
            List<Runnable> batch;
            synchronized (holding) {
                if (held == null || held.isEmpty()) {
                    held = null;
                    return;
                }
                batch = List.copyOf(held);
                held.clear();
            }
            batch.forEach(Runnable::run);
        }
    }

    /** Loads WebRTC and the speech engines; never throws for what this machine lacks. */
    public void start() {
        if (!config.enabled()) {
            unavailable = Optional.of("VOICE_ENABLE=false");
            LOG.info("Voice disabled (VOICE_ENABLE=false)");
            return;
        }
        try {
            stt = sttFactory.get();
            tts = ttsFactory.get();
        } catch (SpeechException e) {
            unavailable = Optional.of(e.getMessage());
            LOG.warn("Voice disabled: {}{}", e.getMessage(), leavingCalls());
            return;
        }
        clock = new AudioClock();
        try {
            rtc = Optional.of(rtcStarter.get());
            unavailable = Optional.empty();
            loadVad();
            LOG.info(
                    "Voice ready: speech-to-text {}, text-to-speech {}, turns: {}",
                    stt.describe(),
                    tts.describe(),
                    turnDetection);
        } catch (RtcException | LinkageError e) {
            String why = e instanceof RtcException ? e.getMessage() : NativeRtc.explain(e);
            unavailable = Optional.of(why);
            LOG.warn("Voice calls disabled: {}{}", why, leavingCalls());
            return;
        }
    }

    /** Once the service's MQTT connection is first up: on an external broker, learn which instance answers calls. */
    public void brokerReady() {
        synchronized (holding) {
            brokerIsReady = true;
        }
        joinElectionOnceReady();
    }

    /** Joins the election once both the broker and WebRTC are there, whichever came last. */
    private void joinElectionOnceReady() {
        synchronized (holding) {
            if (!brokerIsReady || rtc.isEmpty() || joinedElection || loading) {
                return;
            }
            joinedElection = true;
        }
        externalBroker.ifPresent(this::joinElection);
    }

    /**
     * Several instances may share an external broker: the one that has announced itself on {@value #INSTANCES}
     * longest answers every call, the others stand by and take over when it goes (docs/deployment.md).
     */
    private void joinElection(MqttSettings settings) {
        try {
            InstancePresence started = InstancePresence.start(
                    settings, INSTANCES, java.time.Clock.systemUTC(), Duration.ofSeconds(10), this::elect);
            synchronized (this) {
                if (closed) { // stopped while this was starting (it starts once the broker is there)
                    started.close();
                    return;
                }
                presence = Optional.of(started);
            }
            elect();
        } catch (dev.aichatroom.mqtt.MqttException e) {
            LOG.warn(
                    "Voice: cannot learn which other instances answer calls ({}); this one answers every call",
                    e.getMessage());
            answering = true;
        }
    }

    /** Runs on MQTT threads whenever the instances change; logs the role when it is first known and when it changes. */
    private synchronized void elect() {
        presence.ifPresent(p -> {
            if (!p.settled()) {
                answering = false;
                return;
            }
            String oldest = p.oldest();
            boolean now = oldest.equals(p.self());
            if (elected == null || now != elected) {
                if (now) {
                    LOG.info(
                            "Voice: this instance answers calls ({} instance(s) on the broker)",
                            p.instances().size());
                } else {
                    LOG.info("Voice: {} answers calls; this instance stands by", oldest);
                }
            }
            elected = now;
            answering = now;
        });
    }

    /** On an external broker an instance that cannot do voice stays silent: another instance may answer. */
    private String leavingCalls() {
        return externalBroker.isPresent() ? "; calls are left to other instances on the broker" : "";
    }

    // ---- inputs ----

    void onInbound(Inbound inbound) {
        inbound.acknowledge(); // signalling is live: nothing to redeliver after a crash
        synchronized (holding) {
            if (held != null) {
                if (held.size() < config.maxSessions() * MAX_EARLY_CANDIDATES) {
                    held.add(() -> handle(inbound));
                } else {
                    VoiceTopics.deviceOf(inbound.topic())
                            .ifPresent(d -> terminate(d, "voice is still loading; try again in a few seconds"));
                }
                return;
            }
        }
        handle(inbound);
    }

    private void handle(Inbound inbound) {
        Optional<String> device = VoiceTopics.deviceOf(inbound.topic());
        if (device.isPresent() && (answering || sessions.containsKey(device.get()))) {
            if (VoiceTopics.isEventsIn(inbound.topic())) {
                // PROTOCOL.md §4: text is typed text; anything else is not for the proxy, and no reason to end a call
                Signal.parseMessage(inbound.payload())
                        .ifPresentOrElse(
                                s -> route(device.get(), s),
                                () -> LOG.debug("Voice: message from {} on {} ignored", device.get(), inbound.topic()));
            } else {
                route(device.get(), Signal.parse(inbound.payload()));
            }
        }
    }

    /** Called on the MQTT callback thread: never blocks. */
    void route(String deviceId, Signal signal) {
        Session current = sessions.get(deviceId);
        switch (signal) {
            case Signal.Offer o -> {
                if (rtc.isEmpty()) {
                    terminate(deviceId, "voice is unavailable: " + unavailable.orElse("not started"));
                    return;
                }
                Optional<String> refused = refusal(deviceId, current, o);
                if (refused.isPresent()) {
                    metrics.refused();
                    refuse(deviceId, refused.get());
                    return;
                }
                if (current != null) {
                    current.post(new Session.Event.End("replaced by a new offer", false));
                }
                Session s = open(deviceId, o);
                s.post(new Session.Event.FromDevice(o));
                List<Signal.Candidate> waiting = early.remove(deviceId);
                if (waiting != null) {
                    waiting.stream().filter(s::mayOwn).forEach(c -> s.post(new Session.Event.FromDevice(c)));
                }
            }
            case Signal.Chat c -> {
                if (stt == null) {
                    terminate(deviceId, "voice is unavailable: " + unavailable.orElse("not started"));
                    return;
                }
                Session s = current;
                if (s == null) {
                    if (sessions.size() >= config.maxSessions()) {
                        terminate(deviceId, "too many voice sessions (" + config.maxSessions() + ")");
                        return;
                    }
                    s = open(deviceId, null);
                }
                s.post(new Session.Event.FromDevice(c));
            }
            case Signal.Hangup h -> {
                if (current != null) {
                    current.post(new Session.Event.FromDevice(h));
                }
            }
            case Signal.Candidate c -> {
                if (current == null || !current.mayOwn(c)) {
                    // no call yet, or one of the device's next offer that overtook it: wait for that offer
                    holdUntilOffer(deviceId, c);
                } else {
                    current.post(new Session.Event.FromDevice(c));
                }
            }
            case Signal.Invalid i -> {
                if (current == null) {
                    terminate(deviceId, i.reason());
                } else {
                    current.post(new Session.Event.FromDevice(i));
                }
            }
        }
    }

    /**
     * Why an offer gets no peer connection (decision 0012), checked before anything native is made: its shape, the
     * device's and everybody's offer rate, free slots (some kept for devices that logged in) and free descriptors.
     */
    private Optional<String> refusal(String deviceId, Session current, Signal.Offer offer) {
        Optional<String> shape = OfferCheck.problem(offer.sdp());
        if (shape.isPresent()) {
            return shape;
        }
        long now = System.nanoTime();
        synchronized (offers) {
            if (!offers.tryAcquire(deviceId, now)) {
                return Optional.of("too many offers from this device (at most "
                        + config.limits().offersPerMinute() + " a minute); try again later");
            }
            if (!allOffers.tryAcquire("*", now)) {
                return Optional.of("too many offers right now; try again later");
            }
            offers.prune(now);
        }
        if (current == null) {
            int free = config.maxSessions() - sessions.size();
            boolean anonymous = Boolean.FALSE.equals(loggedIn.get(deviceId));
            if (free <= 0) {
                return Optional.of("too many voice sessions (" + config.maxSessions() + "); try again later");
            }
            // in every mode: the product's own voice page logs in with a token even where anonymous devices may call
            if (anonymous && free <= config.limits().reservedSessions()) {
                return Optional.of("the voice sessions left are kept for the product's pages and signed-in devices;"
                        + " try again later");
            }
        }
        return Descriptors.shortage();
    }

    /** Tells the device why (counted in {@code voice_offers_refused_total}; a flood logs at DEBUG only). */
    private void refuse(String deviceId, String reason) {
        LOG.debug("Voice offer from {} refused: {}", deviceId, reason);
        outbox(deviceId).signal(new Wire.Terminated(reason));
    }

    /**
     * Keeps a candidate that came before its offer for {@value #EARLY_CANDIDATE_SECONDS} s; without an offer by then
     * the device is told the order was wrong — unless it has a call, which goes on: the candidate was a late one of an
     * earlier offer.
     */
    private void holdUntilOffer(String deviceId, Signal.Candidate c) {
        if (!early.containsKey(deviceId) && early.size() >= config.maxSessions() * 4) {
            refuseEarly(deviceId);
            return;
        }
        List<Signal.Candidate> held = early.computeIfAbsent(deviceId, id -> {
            try {
                timer.schedule(
                        () -> {
                            if (early.remove(id) != null) {
                                refuseEarly(id);
                            }
                        },
                        EARLY_CANDIDATE_SECONDS,
                        TimeUnit.SECONDS);
            } catch (RejectedExecutionException stopping) {
                // closing
            }
            return new CopyOnWriteArrayList<>();
        });
        if (held.size() < MAX_EARLY_CANDIDATES) {
            held.add(c);
        }
    }

    private void refuseEarly(String deviceId) {
        Session s = sessions.get(deviceId);
        if (s != null && s.hasMedia()) {
            LOG.debug("Voice: candidates of {} for no offer it made dropped; its call goes on", deviceId);
        } else {
            terminate(deviceId, "ice_candidate before sdp_offer");
        }
    }

    /** The device's MQTT connection closed (embedded broker): its session ends. Never blocks. */
    public void deviceGone(String clientId) {
        early.remove(clientId);
        loggedIn.remove(clientId);
        Session s = sessions.get(clientId);
        if (s != null) {
            s.post(new Session.Event.End("the device disconnected", false));
        }
    }

    /** Loads Silero VAD if the turns are for it; the energy detector stands in where it cannot load. */
    private void loadVad() {
        VoiceConfig.Turns turns = config.turns();
        if (turns.vad() == VoiceConfig.Vad.SILERO && vad.isEmpty()) {
            try {
                vad = Optional.of(SileroVad.load());
            } catch (IllegalStateException e) {
                LOG.warn("Silero VAD unavailable, loudness ends turns instead: {}", e.getMessage());
                turnDetection = "loudness (Silero VAD unavailable: " + e.getMessage() + "), end of turn after "
                        + turns.energyEndSilence().toMillis() + " ms of silence";
                return;
            }
        }
        turnDetection = vad.isPresent()
                ? "Silero VAD, end of turn after " + turns.endSilence().toMillis() + " ms of silence"
                : "loudness, end of turn after " + turns.energy().endSilence().toMillis() + " ms of silence";
    }

    /** Opens a session: for {@code offer}, or text-only when it is null. */
    private Session open(String deviceId, Signal.Offer offer) {
        boolean media = offer != null;
        Outbox outbox = outbox(deviceId);
        Pipeline pipeline = new Pipeline(
                deviceId,
                outbox,
                stt,
                tts,
                agent,
                config.turns(),
                media,
                metrics,
                config.speech().whisper().language().orElse(config.speech().language()),
                vad);
        Session s = new Session(
                deviceId,
                outbox,
                config,
                media ? listener -> rtc.orElseThrow().open(listener) : null,
                pipeline,
                this::closed,
                metrics);
        if (offer != null) {
            s.answering(offer);
        }
        sessions.put(deviceId, s);
        metrics.started();
        if (media) {
            clock.add(s);
            warmUp();
            // the voice page says while only the stand-in engine (commands) understands the user
            SpeechEngines.standIn(stt).ifPresent(text -> outbox.event(new Wire.Notice(text)));
        }
        s.start();
        return s;
    }

    private void closed(Session s) {
        clock.remove(s);
        sessions.remove(s.deviceId(), s);
    }

    private void warmUp() {
        if (!warmed) {
            warmed = true;
            // CPU-bound for seconds: a platform thread, so that it never holds one of the few virtual-thread carriers
            Thread.ofPlatform()
                    .name("voice-stt-warm-up")
                    .daemon(true)
                    .priority(Thread.MIN_PRIORITY)
                    .start(() -> {
                        try {
                            tts.warmUp(); // starts getting the neural voices in the background
                        } catch (SpeechException e) {
                            LOG.warn("Text-to-speech cannot load: {}", e.getMessage());
                        }
                        try {
                            stt.warmUp();
                        } catch (SpeechException e) {
                            LOG.warn("Speech-to-text cannot load: {}", e.getMessage());
                        }
                    });
        }
    }

    private Outbox outbox(String deviceId) {
        return new Outbox() {
            @Override
            public void signal(Object payload) {
                publisher.publish(VoiceTopics.signalling(deviceId), Wire.bytes(payload));
            }

            @Override
            public void event(Object payload) {
                publisher.publish(VoiceTopics.events(deviceId), Wire.bytes(payload));
            }
        };
    }

    private void terminate(String deviceId, String reason) {
        LOG.debug("Voice signalling from {} refused: {}", deviceId, reason);
        outbox(deviceId).signal(new Wire.Terminated(reason));
    }

    // ---- state ----

    /** For {@code /health}: up with the engines, or disabled with the reason and what to install. */
    public Health health() {
        // decided again first, so that what this says is what calls are routed by; until the instances have been heard
        // (InstancePresence.ECHO after joining) nobody is named: this instance answers no call yet
        presence.ifPresent(p -> elect());
        String role = presence.map(p -> !p.settled()
                        ? "deciding which instance answers calls; "
                        : answering ? "answers calls; " : "stands by, " + p.oldest() + " answers calls; ")
                .orElse("");
        if (loading) {
            return new Health(
                    Health.State.DEGRADED, "loading the speech engines and WebRTC; calls wait until they are loaded");
        }
        if (unavailable.isEmpty() && presence.map(p -> !p.isConnected()).orElse(false)) {
            return new Health(
                    Health.State.DEGRADED,
                    "instance presence connection to the broker lost (reconnecting): who answers calls is not known; "
                            + sessions.size() + " session(s)");
        }
        return unavailable
                .map(why -> new Health(Health.State.DISABLED, why))
                .orElseGet(() -> Health.up(role + sessions.size() + " session(s); speech-to-text " + stt.describe()
                        + "; text-to-speech " + tts.describe() + "; turns: " + turnDetection));
    }

    /** The sessions open right now, by device. */
    List<String> devices() {
        return List.copyOf(sessions.keySet());
    }

    Optional<Session> session(String deviceId) {
        return Optional.ofNullable(sessions.get(deviceId));
    }

    /** Ends every session, then frees WebRTC and the engines. */
    @Override
    public void close() {
        try {
            awaitLoaded(Duration.ofSeconds(30)); // what it loads is closed below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        answering = false;
        synchronized (this) {
            closed = true;
        }
        presence.ifPresent(InstancePresence::close); // the next instance takes new calls from now on
        List<Session> open = List.copyOf(sessions.values());
        open.forEach(s -> s.post(new Session.Event.End("the service is stopping", true)));
        for (Session s : open) {
            try {
                s.awaitEnd(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        timer.shutdownNow();
        if (clock != null) {
            clock.close();
        }
        rtc.ifPresent(Rtc::close);
        rtc = Optional.empty();
        if (stt != null) {
            stt.close();
        }
        if (tts != null) {
            tts.close();
        }
    }
}
