package dev.aichatroom.voice;

import dev.aichatroom.voice.speech.Pcm;
import dev.aichatroom.voice.speech.SpeechException;
import dev.aichatroom.voice.speech.SpeechToText;
import dev.aichatroom.voice.speech.TextToSpeech;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One device's conversation as four named stages joined by bounded queues:
 *
 * <pre>
 *  hear() ─frames─▶ listen (VAD, end of turn) ─utterances─▶ recognize (speech-to-text) ─turns─▶ respond (assistant)
 *     typed() ────────────────────────────────────────────────────────────────────────────▲          │ sentences
 *  nextFrame() ◀─10 ms frames, 48 kHz─ speak (text-to-speech, sentence by sentence) ◀───────────────┘
 * </pre>
 *
 * The listen, recognize and respond stages are virtual threads; speech-to-text runs on a platform thread of its own
 * ({@code recognizer}), and so does speak, which computes.
 *
 * <p>Recognition starts early: when the speaker pauses ({@link TurnDetector.Event.Paused}, a third of the end-of-turn
 * silence), the audio so far goes to speech-to-text at once. If the turn ends without more speech, that transcription is
 * the turn's (the utterance is the same audio), so only what is left of it comes after the end of the turn; if speech
 * resumes, it is discarded (cancelled if it has not started).
 *
 * <p>Overflow: microphone frames (3 s), utterances (2) and turns (4) drop the oldest; sentences and reply audio make
 * their producer wait (back-pressure on the model and the synthesizer). A turn, or speech while a reply plays
 * (barge-in: speech that starts during the reply, or a reply that begins while the user is speaking), cancels the reply
 * in progress: its audio queue is cleared, so the device hears silence from the next 10 ms frame on, and {@code
 * tts_terminate} is sent.
 */
final class Pipeline implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);
    static final int FRAME_SAMPLES = 480;
    static final int RATE = 48_000;
    private static final byte[] SILENCE = new byte[FRAME_SAMPLES * 2];

    private record Frame(byte[] pcm, int rate, int channels, long arrivedNanos) {}

    /**
     * A turn's audio on its way to text: {@code text} runs on the recognizer (started at a pause or at the end of the
     * turn); {@code speechEndedNanos} is when the last frame of speech arrived, {@code endedNanos} when the turn ended.
     */
    private record Utterance(Pcm audio, long speechEndedNanos, long endedNanos, Future<Recognised> text) {}

    /** A transcription and the time the engine took for it. */
    private record Recognised(String text, long tookNanos) {}

    /**
     * What the user said, or (with {@code canned}) speech that was not understood and gets this fixed reply; {@code
     * recognitionNanos} is how long after the end of the turn speech-to-text had the text (0 for typed text), {@code
     * silenceNanos} how long the end of turn waited after the last speech (0 for typed text).
     */
    private record Turn(
            String text, long endedNanos, long recognitionNanos, long silenceNanos, Optional<String> canned) {}

    /**
     * A sentence to speak, or the end of a reply when {@code text} is empty; {@code cutNanos} is when the sentence was
     * complete (the assistant's part of the latency ends there).
     */
    private record Sentence(
            long generation,
            String taskId,
            String text,
            long endedNanos,
            long recognitionNanos,
            long silenceNanos,
            long cutNanos) {
        Sentence(long generation, String taskId, String text, Turn turn) {
            this(
                    generation,
                    taskId,
                    text,
                    turn.endedNanos(),
                    turn.recognitionNanos(),
                    turn.silenceNanos(),
                    System.nanoTime());
        }
    }

    /** 10 ms of reply audio, tagged with the reply it belongs to so that a cancelled reply's last frame never plays. */
    private record Speech(long generation, byte[] pcm) {}

    private final String deviceId;
    private final Outbox outbox;
    private final SpeechToText stt;
    private final TextToSpeech tts;
    private final Agent agent;
    private final VoiceConfig.Turns turns;
    private final boolean audio;
    private final BlockingQueue<Frame> frames = new ArrayBlockingQueue<>(300);
    private final BlockingQueue<Utterance> utterances = new ArrayBlockingQueue<>(2);
    private final BlockingQueue<Turn> turnQueue = new ArrayBlockingQueue<>(4);
    private final BlockingQueue<Sentence> sentences = new ArrayBlockingQueue<>(32);
    private final BlockingQueue<Speech> outbound = new ArrayBlockingQueue<>(300);
    private final AtomicLong generation = new AtomicLong();
    private final ReentrantLock task = new ReentrantLock();
    private final List<Thread> stages = new ArrayList<>();
    /** Speech-to-text, one utterance at a time: a platform thread, as the engines compute for up to seconds. */
    private final ExecutorService recognizer;

    private volatile Thread replying;
    private String activeTask;
    private volatile long firstAudioNanos = -1;
    private final VoiceMetrics metrics;
    private final String language;
    private final Optional<SileroVad> vad;

    Pipeline(
            String deviceId,
            Outbox outbox,
            SpeechToText stt,
            TextToSpeech tts,
            Agent agent,
            VoiceConfig.Turns turns,
            boolean audio,
            VoiceMetrics metrics) {
        this(deviceId, outbox, stt, tts, agent, turns, audio, metrics, "en", Optional.empty());
    }

    /**
     * @param language the call's language ({@code CHAT_LANGUAGE}): what "I didn't catch that" is said in
     * @param vad Silero VAD where {@code turns} are for it; empty = the energy detector
     */
    Pipeline(
            String deviceId,
            Outbox outbox,
            SpeechToText stt,
            TextToSpeech tts,
            Agent agent,
            VoiceConfig.Turns turns,
            boolean audio,
            VoiceMetrics metrics,
            String language,
            Optional<SileroVad> vad) {
        this.vad = vad;
        this.language = language;
        this.metrics = metrics;
        this.deviceId = deviceId;
        this.outbox = outbox;
        this.stt = stt;
        this.tts = tts;
        this.agent = agent;
        this.turns = turns;
        this.audio = audio;
        this.recognizer = Executors.newSingleThreadExecutor(Thread.ofPlatform()
                .daemon(true)
                .name("voice-recognizer-" + deviceId)
                .factory());
    }

    void start() {
        if (audio) {
            stage("listen", this::listen, Thread.ofVirtual());
            // waits for the recognizer, whose platform thread computes: the engines never hold one of the few carriers
            // of the virtual threads that signalling and the other sessions run on
            stage("recognize", this::recognize, Thread.ofVirtual());
        }
        stage("respond", this::respond, Thread.ofVirtual());
        stage("speak", this::speak, audio ? Thread.ofPlatform().daemon(true) : Thread.ofVirtual());
    }

    private void stage(String name, Stage body, Thread.Builder builder) {
        stages.add(builder.name("voice-" + name + "-" + deviceId).start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    body.step();
                } catch (InterruptedException stopping) {
                    return;
                } catch (RuntimeException e) {
                    LOG.error("Voice stage {} of {} failed; it goes on with the next input", name, deviceId, e);
                }
            }
        }));
    }

    @FunctionalInterface
    private interface Stage {
        void step() throws InterruptedException;
    }

    // ---- inputs ----

    /** The device's audio; called on WebRTC's audio thread: never blocks, drops the oldest frame when full. */
    void hear(byte[] pcm, int rate, int channels) {
        offerDroppingOldest(frames, new Frame(pcm, rate, channels, System.nanoTime()));
    }

    /** Typed text ({@code chat}): a turn like recognised speech. */
    void typed(String text) {
        startTurn(text, System.nanoTime(), 0, 0);
    }

    /** The next 10 ms of reply audio (48 kHz mono), silence when there is none. Called by the audio clock. */
    byte[] nextFrame() {
        Speech f;
        do {
            f = outbound.poll();
        } while (f != null && f.generation() != generation.get()); // put while the reply was being cancelled
        if (f == null) {
            return SILENCE;
        }
        if (firstAudioNanos == 0) {
            firstAudioNanos = System.nanoTime();
        }
        return f.pcm();
    }

    // ---- stages ----

    private void listen() throws InterruptedException {
        Optional<SileroVad.Stream> silero = vad.map(SileroVad::stream);
        TurnDetector detector = new TurnDetector(silero.isPresent() ? turns : turns.energy());
        Optional<Future<Recognised>> speculation = Optional.empty();
        long lastSpeech = System.nanoTime();
        while (true) {
            Frame f = frames.take();
            Pcm m = mono(f);
            Optional<TurnDetector.Event> e;
            try {
                e = silero.isPresent()
                        // fed every frame (its windows and state run on); a frame under the threshold is never speech
                        ? detector.accept(m, silero.get().speech(m) & m.levelDbfs() > turns.thresholdDbfs())
                        : detector.accept(m);
            } catch (IllegalStateException failed) {
                LOG.warn("Voice activity detection for {} falls back to loudness: {}", deviceId, failed.getMessage());
                silero = Optional.empty();
                detector = new TurnDetector(turns.energy());
                continue;
            }
            if (detector.loud()) {
                lastSpeech = f.arrivedNanos();
            }
            if (turns.bargeIn() && detector.inSpeech() && detector.loud() && speaking()) {
                // at the start of speech, and at any frame of speech after it: a reply that began while the user was
                // already speaking (both started at once) is cut too, not played over them until their turn ends
                metrics.bargeIn();
                interruptReply("the user spoke over the reply");
            }
            if (e.isPresent()) {
                switch (e.get()) {
                    case TurnDetector.Event.SpeechStarted s -> {} // a reply playing was cut just above
                    case TurnDetector.Event.Paused p -> speculation = Optional.of(transcribe(p.audio()));
                    case TurnDetector.Event.Resumed r -> {
                        speculation.ifPresent(s -> s.cancel(false)); // if it has not started yet: it never will
                        speculation = Optional.empty();
                    }
                    case TurnDetector.Event.Utterance u -> {
                        Future<Recognised> text =
                                u.sincePause() && speculation.isPresent() ? speculation.get() : transcribe(u.audio());
                        speculation = Optional.empty();
                        offerDroppingOldest(utterances, new Utterance(u.audio(), lastSpeech, System.nanoTime(), text));
                    }
                }
            }
        }
    }

    /** Starts transcribing on the recognizer; a pipeline that is closing answers with nothing recognised. */
    private Future<Recognised> transcribe(Pcm audio) {
        try {
            return recognizer.submit(() -> {
                long t0 = System.nanoTime();
                String text = stt.transcribe(audio);
                long took = System.nanoTime() - t0;
                metrics.recognised(took);
                return new Recognised(text, took);
            });
        } catch (RejectedExecutionException closing) {
            return CompletableFuture.completedFuture(new Recognised("", 0));
        }
    }

    private void recognize() throws InterruptedException {
        Utterance u = utterances.take();
        String text;
        long took;
        try {
            Recognised r = u.text().get();
            text = r.text();
            took = Math.max(0, System.nanoTime() - u.endedNanos()); // what was left of it at the end of the turn
            LOG.debug(
                    "Recognised '{}' from {} ({} ms of audio in {} ms, {} ms after the end of the turn)",
                    text,
                    deviceId,
                    u.audio().duration().toMillis(),
                    r.tookNanos() / 1_000_000,
                    took / 1_000_000);
        } catch (ExecutionException e) {
            LOG.warn(
                    "Speech-to-text failed for {}: {}",
                    deviceId,
                    e.getCause() instanceof SpeechException s
                            ? s.getMessage()
                            : e.getCause().toString());
            return;
        } catch (CancellationException e) {
            return; // a pipeline closing
        }
        long silence = Math.max(0, u.endedNanos() - u.speechEndedNanos());
        if (text.isBlank()) {
            // never a guess: the user hears and reads that they were not understood
            LOG.debug(
                    "Nothing recognised from {} ({} ms of audio)",
                    deviceId,
                    u.audio().duration().toMillis());
            interruptReply("a new turn began");
            offerDroppingOldest(
                    turnQueue, new Turn("", u.endedNanos(), took, silence, Optional.of(notUnderstood(language))));
        } else {
            outbox.event(new Wire.AsrResponse(text));
            startTurn(text, u.endedNanos(), took, silence);
        }
    }

    /** "Sorry, I didn't catch that." in the call's language (Chinese for {@code zh*}, else English). */
    static String notUnderstood(String language) {
        return language.toLowerCase(java.util.Locale.ROOT).startsWith("zh")
                ? "抱歉，我没听清，请再说一遍。"
                : "Sorry, I didn't catch that.";
    }

    private void startTurn(String text, long endedNanos, long recognitionNanos, long silenceNanos) {
        interruptReply("a new turn began");
        offerDroppingOldest(turnQueue, new Turn(text, endedNanos, recognitionNanos, silenceNanos, Optional.empty()));
    }

    private void respond() throws InterruptedException {
        Turn turn = turnQueue.take();
        long gen = generation.get();
        String taskId = UUID.randomUUID().toString();
        if (turn.canned().isPresent()) {
            // spoken and written (tts_text), without the assistant and without a message in the room
            say(new Sentence(gen, taskId, turn.canned().get(), turn));
            say(new Sentence(gen, taskId, "", turn));
            return;
        }
        outbox.event(new Wire.Loading(true));
        Thread reply = Thread.ofVirtual().name("voice-reply-" + deviceId).unstarted(() -> {
            Sentences cutter = new Sentences();
            try {
                agent.reply(deviceId, turn.text(), delta -> {
                    for (String s : cutter.add(delta)) {
                        say(new Sentence(gen, taskId, s, turn));
                    }
                });
                for (String s : cutter.flush()) {
                    say(new Sentence(gen, taskId, s, turn));
                }
            } catch (RuntimeException e) {
                LOG.warn("Reply to {} failed: {}", deviceId, e.toString());
            } finally {
                // the end marker also after a failure: the sentences already spoken end with tts_complete, and the
                // task does not stay open (a later speech start would otherwise terminate a reply long over)
                say(new Sentence(gen, taskId, "", turn));
            }
        });
        replying = reply;
        reply.start();
        try {
            reply.join();
        } finally {
            replying = null;
            outbox.event(new Wire.Loading(false));
        }
    }

    /** Hands a sentence to the speaker, waiting while it is behind; gives up when the reply was cancelled. */
    private void say(Sentence s) {
        try {
            while (s.generation() == generation.get()) {
                if (sentences.offer(s, 50, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void speak() throws InterruptedException {
        Sentence s = sentences.take();
        if (s.generation() != generation.get()) {
            return;
        }
        if (s.text().isEmpty()) {
            while (!outbound.isEmpty() && s.generation() == generation.get()) {
                Thread.sleep(10); // the audio clock plays the rest of the reply
            }
            finishTask(s.taskId(), s.generation());
            return;
        }
        if (!beginSentence(s)) {
            return; // cancelled since it was taken: no tts_text after tts_terminate
        }
        if (!audio) {
            return;
        }
        Pcm speech;
        long synthStart = System.nanoTime();
        long synthEnd;
        try {
            speech = tts.synthesize(s.text().strip()).resample(RATE);
            synthEnd = System.nanoTime();
        } catch (SpeechException e) {
            if (Thread.currentThread().isInterrupted()) {
                // the call is closing (the synthesiser was interrupted): nothing failed, nothing to report
                throw new InterruptedException("closed while synthesising");
            }
            LOG.warn("Text-to-speech failed for {}: {}", deviceId, e.getMessage());
            return;
        }
        byte[] bytes = speech.littleEndian();
        for (int off = 0; off < bytes.length && s.generation() == generation.get(); off += SILENCE.length) {
            byte[] frame = new byte[SILENCE.length];
            System.arraycopy(bytes, off, frame, 0, Math.min(frame.length, bytes.length - off));
            if (firstAudioNanos < 0) {
                firstAudioNanos = 0; // the clock stamps the first frame it takes
                Thread.ofVirtual().start(() -> reportLatency(s, synthStart, synthEnd));
            }
            outbound.put(new Speech(s.generation(), frame));
        }
    }

    /**
     * Logs and meters the time from the end of the user's turn to the first reply audio, stage by stage: recognition
     * (what was left of it at the end of the turn), the assistant's first sentence, waiting for the speaker, synthesis,
     * and the audio queue up to the clock's frame. The end-of-turn wait ({@code end_of_turn}: from the last frame of
     * speech heard, about {@code VOICE_END_OF_TURN_MS}) comes before all of it.
     */
    private void reportLatency(Sentence s, long synthStart, long synthEnd) {
        for (int i = 0; i < 500 && firstAudioNanos <= 0; i++) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                return;
            }
        }
        long first = firstAudioNanos;
        if (first <= 0) {
            return;
        }
        long recognised = s.endedNanos() + s.recognitionNanos();
        long assistant = Math.max(0, s.cutNanos() - recognised);
        long waited = Math.max(0, synthStart - s.cutNanos());
        long synthesis = synthEnd - synthStart;
        long queued = Math.max(0, first - synthEnd);
        metrics.firstAudio(first - s.endedNanos());
        if (s.silenceNanos() > 0) {
            metrics.stage("end_of_turn", s.silenceNanos());
        }
        metrics.stage("recognition", s.recognitionNanos());
        metrics.stage("assistant", assistant);
        metrics.stage("speaker_wait", waited);
        metrics.stage("synthesis", synthesis);
        metrics.stage("audio_queue", queued);
        LOG.info(
                "Voice {}: first reply audio {} ms after the end of the turn ({} ms after the last speech heard):"
                        + " recognition {} ms (what was left of it), assistant's first sentence {} ms, waiting for the"
                        + " speaker {} ms, synthesis {} ms, audio queue {} ms",
                deviceId,
                ms(first - s.endedNanos()),
                ms(first - s.endedNanos() + s.silenceNanos()),
                ms(s.recognitionNanos()),
                ms(assistant),
                ms(waited),
                ms(synthesis),
                ms(queued));
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }

    // ---- reply tasks ----

    /**
     * Whether a reply is under way: begun and not over, or audio of the current reply still queued. A frame of a cut
     * reply that its synthesizer handed over after the cut (nextFrame skips it) is not one: speech over it is no second
     * barge-in.
     */
    private boolean speaking() {
        task.lock();
        try {
            long current = generation.get();
            return activeTask != null || outbound.stream().anyMatch(f -> f.generation() == current);
        } finally {
            task.unlock();
        }
    }

    /**
     * Sends {@code tts_begin} for the sentence's reply if it is the first sentence, then its {@code tts_text}; both
     * under the lock {@link #interruptReply} takes, so that a reply cancelled in between gets no subtitle after its
     * {@code tts_terminate}.
     *
     * @return false when the reply was cancelled: say nothing
     */
    private boolean beginSentence(Sentence s) {
        task.lock();
        try {
            if (s.generation() != generation.get()) {
                return false;
            }
            if (!s.taskId().equals(activeTask)) {
                activeTask = s.taskId();
                firstAudioNanos = -1;
                outbox.event(Wire.ttsBegin(s.taskId()));
            }
            if (s.generation() != generation.get()) {
                return false; // cancelled while tts_begin was being published (the lock is reentrant)
            }
            outbox.event(new Wire.TtsText(s.taskId(), s.text()));
            return true;
        } finally {
            task.unlock();
        }
    }

    private void finishTask(String taskId, long gen) {
        task.lock();
        try {
            if (gen == generation.get() && taskId.equals(activeTask)) {
                activeTask = null;
                outbox.event(Wire.ttsComplete(taskId));
            }
        } finally {
            task.unlock();
        }
    }

    /** Stops the reply in progress: no more text, no more audio, {@code tts_terminate} if it had begun. */
    void interruptReply(String why) {
        task.lock();
        try {
            generation.incrementAndGet();
            Thread r = replying;
            if (r != null) {
                r.interrupt();
            }
            sentences.clear();
            outbound.clear();
            if (activeTask != null) {
                LOG.debug("Reply {} to {} cut short: {}", activeTask, deviceId, why);
                outbox.event(Wire.ttsTerminate(activeTask));
                activeTask = null;
            }
        } finally {
            task.unlock();
        }
    }

    // ---- helpers ----

    private static Pcm mono(Frame f) {
        Pcm all = Pcm.fromLittleEndian(f.pcm(), 0, f.pcm().length, f.rate());
        if (f.channels() <= 1) {
            return all;
        }
        short[] out = new short[all.samples().length / f.channels()];
        for (int i = 0; i < out.length; i++) {
            out[i] = all.samples()[i * f.channels()];
        }
        return new Pcm(out, f.rate());
    }

    private static <T> void offerDroppingOldest(BlockingQueue<T> queue, T item) {
        while (!queue.offer(item)) {
            queue.poll();
        }
    }

    @Override
    public void close() {
        generation.incrementAndGet();
        Thread r = replying;
        if (r != null) {
            r.interrupt();
        }
        stages.forEach(Thread::interrupt);
        recognizer.shutdownNow();
        for (Thread t : stages) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        try {
            if (r != null) {
                r.join(2000);
            }
            // an engine in the middle of an utterance finishes it (none of them can be interrupted)
            recognizer.awaitTermination(2, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        frames.clear();
        outbound.clear();
    }
}
