package dev.aichatroom.voice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aichatroom.voice.speech.Pcm;
import dev.aichatroom.voice.speech.SpeechToText;
import dev.aichatroom.voice.speech.TextToSpeech;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class PipelineTest {
    /** A model that writes its reply in pieces, {@code gapMillis} apart. */
    static Agent streaming(long gapMillis, String... pieces) {
        return (device, text, deltas) -> {
            StringBuilder all = new StringBuilder();
            for (String p : pieces) {
                if (Thread.currentThread().isInterrupted()) {
                    break;
                }
                LockSupport.parkNanos(gapMillis * 1_000_000);
                deltas.accept(p);
                all.append(p);
            }
            return all.toString();
        };
    }

    /** One second of a tone per sentence, at 16 kHz. */
    static final TextToSpeech TONE = new TextToSpeech() {
        @Override
        public Pcm synthesize(String text) {
            short[] s = new short[16_000];
            for (int i = 0; i < s.length; i++) {
                s[i] = (short) (8000 * Math.sin(2 * Math.PI * 440 * i / 16_000.0));
            }
            return new Pcm(s, 16_000);
        }

        @Override
        public String describe() {
            return "tone";
        }
    };

    /** Five seconds of a tone per sentence: more than the 3 s audio queue holds. */
    static final TextToSpeech FIVE_SECONDS = new TextToSpeech() {
        @Override
        public Pcm synthesize(String text) {
            Pcm second = TONE.synthesize(text);
            short[] s = new short[second.samples().length * 5];
            for (int i = 0; i < 5; i++) {
                System.arraycopy(second.samples(), 0, s, i * second.samples().length, second.samples().length);
            }
            return new Pcm(s, second.sampleRate());
        }

        @Override
        public String describe() {
            return "five seconds of tone";
        }
    };

    /** A recogniser that hears {@code text} in any audio. */
    static SpeechToText hearing(String text) {
        return new SpeechToText() {
            @Override
            public int sampleRate() {
                return 16_000;
            }

            @Override
            public String transcribe(Pcm audio) {
                return text;
            }

            @Override
            public String describe() {
                return "hears \"" + text + "\"";
            }
        };
    }

    static final SpeechToText FIXED = hearing("turn on the camera");

    /** A pipeline with the default turns, no metrics and {@link #TONE} for a voice. */
    static Pipeline pipeline(String deviceId, Outbox out, SpeechToText stt, Agent agent, boolean audio) {
        return new Pipeline(deviceId, out, stt, TONE, agent, VoiceConfig.defaultTurns(), audio, VoiceMetrics.none());
    }

    @Test
    void typed_text_gets_a_reply_in_text_events_sentence_by_sentence() {
        RecordingOutbox out = new RecordingOutbox();
        try (Pipeline p =
                pipeline("dev1", out, FIXED, streaming(5, "First sentence", " here. Second", " one is here."), false)) {
            p.start();
            p.typed("hello");
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> out.eventTypes().containsAll(List.of("loading:complete", "tts_complete")));
            // "loading" covers the model's generation, the tts_* events the speech: the two overlap
            assertThat(out.eventTypes().getFirst()).isEqualTo("loading:processing");
            assertThat(out.eventTypes().stream().filter(t -> t.startsWith("tts")))
                    .containsExactly("tts_begin", "tts_text", "tts_text", "tts_complete");
            assertThat(out.events.stream()
                            .filter(e -> e.path("type").asText().equals("tts_text"))
                            .map(e -> e.path("text").asText()))
                    .containsExactly("First sentence here.", " Second one is here.");
            String task = out.events.stream()
                    .filter(e -> e.has("task_id"))
                    .findFirst()
                    .orElseThrow()
                    .path("task_id")
                    .asText();
            assertThat(out.events.stream().filter(e -> e.has("task_id")))
                    .allMatch(e -> e.path("task_id").asText().equals(task));
        }
    }

    @Test
    void speech_in_becomes_asr_response_and_reply_audio_out() {
        RecordingOutbox out = new RecordingOutbox();
        try (Pipeline p = pipeline("dev2", out, FIXED, streaming(5, "Camera is on."), true)) {
            p.start();
            Player player = Player.start(p, 2);
            speak(p, 50);
            silence(p, 100);
            await().atMost(Duration.ofSeconds(10)).until(() -> out.eventTypes().contains("tts_complete"));
            player.stop();
            assertThat(out.events.getFirst().path("results").asText()).isEqualTo("turn on the camera");
            assertThat(player.loudFrames.get()).isBetween(90, 110); // one second of reply audio in 10 ms frames
        }
    }

    @Test
    void speech_that_was_not_understood_gets_a_spoken_and_written_sorry_in_the_calls_language_and_no_guess() {
        SpeechToText nothing = hearing("");
        AtomicInteger asked = new AtomicInteger();
        Agent agent = (device, text, deltas) -> {
            asked.incrementAndGet();
            return "";
        };
        for (String language : List.of("en", "zh")) {
            RecordingOutbox out = new RecordingOutbox();
            try (Pipeline p = new Pipeline(
                    "dev-" + language,
                    out,
                    nothing,
                    TONE,
                    agent,
                    VoiceConfig.defaultTurns(),
                    true,
                    VoiceMetrics.none(),
                    language,
                    java.util.Optional.empty())) {
                p.start();
                Player player = Player.start(p, 2);
                speak(p, 50);
                silence(p, 100);
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> out.eventTypes().contains("tts_complete"));
                player.stop();
                assertThat(out.eventTypes()).containsExactly("tts_begin", "tts_text", "tts_complete");
                assertThat(out.events.get(1).path("text").asText())
                        .isEqualTo(language.equals("zh") ? "抱歉，我没听清，请再说一遍。" : "Sorry, I didn't catch that.");
                assertThat(player.loudFrames.get()).isBetween(90, 110); // spoken too
            }
        }
        assertThat(asked).hasValue(0);
    }

    @Test
    void speaking_over_the_reply_stops_its_audio_within_300_ms_and_terminates_the_task() {
        RecordingOutbox out = new RecordingOutbox();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (Pipeline p = new Pipeline(
                "dev3",
                out,
                FIXED,
                TONE,
                streaming(5, "One long sentence. ", "Another long sentence. ", "And a third one here."),
                VoiceConfig.defaultTurns(),
                true,
                new VoiceMetrics(meters, java.util.Map.of()))) {
            p.start();
            Player player = Player.start(p, 10);
            p.typed("tell me something long");
            await().atMost(Duration.ofSeconds(5)).until(() -> player.lastLoudNanos.get() > 0);
            long spokeAt = System.nanoTime();
            speak(p, 30); // the user talks over the reply, in real time
            await().atMost(Duration.ofSeconds(2)).until(() -> out.eventTypes().contains("tts_terminate"));
            long stoppedAfter = (player.lastLoudNanos.get() - spokeAt) / 1_000_000;
            player.stop();
            assertThat(stoppedAfter).isLessThan(300);
            assertThat(out.eventTypes()).doesNotContain("tts_complete");
            assertThat(meters.counter("voice.barge.ins").count()).isEqualTo(1);
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> meters.timer("voice.reply.first.audio").count() == 1);
        }
    }

    @Test
    void a_reply_that_begins_while_the_user_is_already_speaking_is_cut_while_they_speak_not_at_the_end_of_their_turn() {
        // both start talking at once: the user's speech started (no reply playing yet, nothing to cut), then the
        // reply to the previous turn begins while they go on. Cutting only at the start of speech missed this
        // barge-in: the reply played over the user until their turn ended and was recognised.
        RecordingOutbox out = new RecordingOutbox();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (Pipeline p = new Pipeline(
                "dev-overlap",
                out,
                FIXED,
                TONE,
                streaming(5, "One long sentence. ", "Another long sentence. ", "And a third one here."),
                VoiceConfig.defaultTurns(),
                true,
                new VoiceMetrics(meters, java.util.Map.of()))) {
            p.start();
            Player player = Player.start(p, 10);
            AtomicBoolean talking = new AtomicBoolean(true);
            Thread user = Thread.ofVirtual().start(() -> {
                while (talking.get()) {
                    speak(p, 1); // speech without a pause, as long as the test needs (an utterance ends at 15 s)
                }
            });
            try {
                speak(p, 20); // the user is well into their speech: it started with no reply to cut
                p.typed("the previous turn"); // its reply begins now
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> out.eventTypes().contains("tts_terminate"));
                assertThat(user.isAlive())
                        .as("cut while the user is still speaking")
                        .isTrue();
            } finally {
                talking.set(false);
                player.stop();
            }
            assertThat(meters.counter("voice.barge.ins").count()).isEqualTo(1);
            assertThat(out.eventTypes()).doesNotContain("tts_complete");
        }
    }

    @Test
    void speaking_over_a_reply_counts_one_barge_in_even_when_its_synthesizer_hands_over_a_frame_after_the_cut() {
        RecordingOutbox out = new RecordingOutbox();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (Pipeline p = new Pipeline(
                "dev-once",
                out,
                FIXED,
                FIVE_SECONDS,
                streaming(0, "A long reply."),
                VoiceConfig.defaultTurns(),
                true,
                new VoiceMetrics(meters, java.util.Map.of()))) {
            p.start();
            p.typed("talk");
            // nothing plays the audio: the synthesizer fills the 3 s queue and waits to hand over the next frame,
            // which it does once the barge-in has cleared the queue (a frame of the cut reply, never played)
            await().atMost(Duration.ofSeconds(5)).until(() -> speakerIsIn("dev-once", "put"));
            speak(p, 50); // half a second of speech over the reply: every frame after the first finds it cut
            await().atMost(Duration.ofSeconds(5)).until(() -> speakerIsIn("dev-once", "take"));
            speak(p, 20);
            assertThat(out.eventTypes()).containsOnlyOnce("tts_terminate");
            assertThat(meters.counter("voice.barge.ins").count()).isEqualTo(1);
        }
    }

    @Test
    void a_cancelled_reply_plays_not_even_the_frame_its_synthesizer_was_handing_over() {
        RecordingOutbox out = new RecordingOutbox();
        try (Pipeline p = new Pipeline(
                "dev4",
                out,
                FIXED,
                FIVE_SECONDS,
                streaming(0, "A long reply."),
                VoiceConfig.defaultTurns(),
                true,
                VoiceMetrics.none())) {
            p.start();
            p.typed("talk");
            // nothing plays the audio: the synthesizer fills the 3 s queue and waits to hand over the next frame
            await().atMost(Duration.ofSeconds(5)).until(() -> speakerIsIn("dev4", "put"));
            p.interruptReply("the user spoke over the reply");
            // the synthesizer hands the frame it held over, sees the cancellation and waits for the next sentence
            await().atMost(Duration.ofSeconds(5)).until(() -> speakerIsIn("dev4", "take"));
            for (int i = 0; i < 5; i++) {
                assertThat(Pcm.fromLittleEndian(p.nextFrame(), 0, 960, 48_000).levelDbfs())
                        .isLessThan(-90);
            }
            assertThat(out.eventTypes()).contains("tts_terminate").doesNotContain("tts_complete");
        }
    }

    @Test
    void a_reply_cancelled_as_its_first_sentence_begins_sends_no_tts_text_after_tts_terminate() {
        RecordingOutbox out = new RecordingOutbox();
        AtomicReference<Pipeline> pipeline = new AtomicReference<>();
        AtomicReference<Thread> canceller = new AtomicReference<>();
        // the user barges in the moment tts_begin goes out; the subtitle is held back until that cancellation had
        // every chance to run, so a subtitle sent outside the task lock would land after tts_terminate
        Outbox racing = new Outbox() {
            @Override
            public void signal(Object payload) {
                out.signal(payload);
            }

            @Override
            public void event(Object payload) {
                Thread c = canceller.get();
                if (payload instanceof Wire.TtsText && c != null) {
                    try {
                        c.join(1000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                out.event(payload);
                if (payload instanceof Wire.TtsEvent e && e.type().equals("tts_begin") && c == null) {
                    canceller.set(Thread.ofPlatform()
                            .start(() -> pipeline.get().interruptReply("the user spoke over the reply")));
                }
            }
        };
        try (Pipeline p = pipeline(
                "dev5", racing, FIXED, streaming(0, "The first sentence here. ", "The second sentence here."), false)) {
            pipeline.set(p);
            p.start();
            p.typed("hello");
            // the cancellation and the reply's own end race for the task lock; either may win, but nothing of the
            // reply may follow its tts_terminate
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> canceller.get() != null
                            && !canceller.get().isAlive()
                            && out.eventTypes().contains("loading:complete")
                            && (out.eventTypes().contains("tts_terminate")
                                    || out.eventTypes().contains("tts_complete")));
            List<String> tts =
                    out.eventTypes().stream().filter(t -> t.startsWith("tts")).toList();
            assertThat(tts).startsWith("tts_begin");
            int terminate = tts.indexOf("tts_terminate");
            if (terminate >= 0) {
                assertThat(tts.subList(terminate + 1, tts.size()))
                        .as("nothing of a reply after its tts_terminate: %s", tts)
                        .isEmpty();
                assertThat(tts).doesNotContain("tts_complete");
            } else {
                assertThat(tts).as("cancelled after it ended: %s", tts).endsWith("tts_complete");
            }
        }
    }

    @Test
    void a_reply_that_fails_after_its_first_sentence_still_completes_its_task() {
        RecordingOutbox out = new RecordingOutbox();
        Agent failing = (device, text, deltas) -> {
            deltas.accept("The first sentence. ");
            throw new IllegalStateException("the model went away");
        };
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (Pipeline p = new Pipeline(
                "dev6",
                out,
                FIXED,
                TONE,
                failing,
                VoiceConfig.defaultTurns(),
                false,
                new VoiceMetrics(meters, java.util.Map.of()))) {
            p.start();
            p.typed("hello");
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> out.eventTypes().containsAll(List.of("loading:complete", "tts_complete")));
            assertThat(out.eventTypes().stream().filter(t -> t.startsWith("tts")))
                    .containsExactly("tts_begin", "tts_text", "tts_complete");
            // the user speaks later: nothing is playing, so there is no reply to cut short
            p.interruptReply("the user spoke over the reply");
            p.typed("again");
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> out.eventTypes().stream()
                                    .filter(t -> t.equals("tts_complete"))
                                    .count()
                            == 2);
            assertThat(out.eventTypes()).doesNotContain("tts_terminate");
        }
    }

    @Test
    void speech_starts_with_the_first_sentence_while_the_model_is_still_writing() {
        RecordingOutbox out = new RecordingOutbox();
        CountDownLatch rest = new CountDownLatch(1);
        Agent slow = (device, text, deltas) -> {
            deltas.accept("The first sentence. ");
            try {
                rest.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "";
            }
            deltas.accept("The second sentence.");
            return "The first sentence. The second sentence.";
        };
        try (Pipeline p = pipeline("dev7", out, FIXED, slow, true)) {
            p.start();
            Player player = Player.start(p, 2);
            p.typed("hello");
            // the model has written one sentence and waits: its subtitle and its audio are already out
            await().atMost(Duration.ofSeconds(5)).until(() -> player.loudFrames.get() >= 20);
            assertThat(rest.getCount()).isEqualTo(1);
            assertThat(out.eventTypes()).contains("tts_begin", "tts_text").doesNotContain("loading:complete");
            assertThat(out.events.stream()
                            .filter(e -> e.path("type").asText().equals("tts_text"))
                            .map(e -> e.path("text").asText()))
                    .containsExactly("The first sentence.");
            rest.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> out.eventTypes().contains("tts_complete"));
            player.stop();
            assertThat(out.events.stream()
                            .filter(e -> e.path("type").asText().equals("tts_text"))
                            .map(e -> e.path("text").asText()))
                    .containsExactly("The first sentence.", " The second sentence.");
            assertThat(player.loudFrames.get()).isBetween(180, 220); // both sentences, one second each
        }
    }

    /** Speech-to-text that answers "call N" and notes the audio of each call. */
    private static final class Counting implements SpeechToText {
        final List<Pcm> calls = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public int sampleRate() {
            return 16_000;
        }

        @Override
        public String transcribe(Pcm audio) {
            calls.add(audio);
            return "call " + calls.size();
        }

        @Override
        public String describe() {
            return "counting";
        }
    }

    @Test
    void recognition_starts_at_the_pause_before_the_turn_ends_and_its_text_is_the_turns() {
        RecordingOutbox out = new RecordingOutbox();
        Counting stt = new Counting();
        try (Pipeline p = pipeline("dev8", out, stt, streaming(5, "Yes."), true)) {
            p.start();
            Player player = Player.start(p, 2);
            speak(p, 50);
            silence(p, 40); // 400 ms: past the 200 ms pause, short of the 700 ms that end the turn
            await().atMost(Duration.ofSeconds(10)).until(() -> stt.calls.size() == 1);
            assertThat(out.eventTypes()).doesNotContain("asr_response");
            silence(p, 60);
            await().atMost(Duration.ofSeconds(10)).until(() -> out.eventTypes().contains("tts_complete"));
            player.stop();
            assertThat(stt.calls).hasSize(1); // not transcribed a second time at the end of the turn
            assertThat(out.events.stream()
                            .filter(e -> e.path("type").asText().equals("asr_response"))
                            .map(e -> e.path("results").asText()))
                    .containsExactly("call 1");
        }
    }

    @Test
    void speech_that_resumes_after_a_pause_discards_the_pauses_recognition() {
        RecordingOutbox out = new RecordingOutbox();
        Counting stt = new Counting();
        try (Pipeline p = pipeline("dev9", out, stt, streaming(5, "Yes."), true)) {
            p.start();
            Player player = Player.start(p, 2);
            speak(p, 50);
            silence(p, 30);
            await().atMost(Duration.ofSeconds(10)).until(() -> stt.calls.size() == 1);
            speak(p, 50);
            silence(p, 100);
            await().atMost(Duration.ofSeconds(10)).until(() -> out.eventTypes().contains("tts_complete"));
            player.stop();
            assertThat(stt.calls).hasSize(2);
            assertThat(stt.calls.get(1).duration())
                    .isGreaterThan(stt.calls.get(0).duration());
            assertThat(out.events.stream()
                            .filter(e -> e.path("type").asText().equals("asr_response"))
                            .map(e -> e.path("results").asText()))
                    .containsExactly("call 2"); // the whole turn's words, never the first half's
        }
    }

    /** The audio clock of a test: pulls the pipeline's frames every few ms and notes the loud ones. */
    private static final class Player {
        final AtomicInteger loudFrames = new AtomicInteger();
        final AtomicLong lastLoudNanos = new AtomicLong();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private Thread thread;

        static Player start(Pipeline p, int everyMillis) {
            Player player = new Player();
            player.thread = Thread.ofVirtual().start(() -> {
                while (player.running.get()) {
                    if (Pcm.fromLittleEndian(p.nextFrame(), 0, 960, 48_000).levelDbfs() > -30) {
                        player.loudFrames.incrementAndGet();
                        player.lastLoudNanos.set(System.nanoTime());
                    }
                    LockSupport.parkNanos(everyMillis * 1_000_000L);
                }
            });
            return player;
        }

        /** Stops pulling frames: the counts stay as they are. */
        void stop() {
            running.set(false);
            thread.interrupt();
        }
    }

    /** Whether the speak stage of {@code device} is blocked in the queue operation {@code method}. */
    private static boolean speakerIsIn(String device, String method) {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> e.getKey().getName().equals("voice-speak-" + device))
                .anyMatch(e -> java.util.Arrays.stream(e.getValue())
                        .anyMatch(f -> f.getClassName().equals("java.util.concurrent.ArrayBlockingQueue")
                                && f.getMethodName().equals(method)));
    }

    /** Feeds {@code frames} loud 10 ms frames at real-time pace. */
    static void speak(Pipeline p, int frames) {
        feed(p, frames, 0.3);
    }

    static void silence(Pipeline p, int frames) {
        feed(p, frames, 0);
    }

    private static void feed(Pipeline p, int frames, double amplitude) {
        byte[] f = TurnDetectorTest.frame(amplitude).littleEndian();
        for (int i = 0; i < frames; i++) {
            p.hear(f.clone(), 48_000, 1);
            LockSupport.parkNanos(10_000_000);
        }
    }

    @Test
    void a_call_closed_while_its_reply_is_synthesised_logs_no_warning() throws Exception {
        CountDownLatch synthesising = new CountDownLatch(1);
        TextToSpeech slow = new TextToSpeech() {
            @Override
            public Pcm synthesize(String text) {
                synthesising.countDown();
                try {
                    Thread.sleep(Duration.ofSeconds(20));
                } catch (InterruptedException e) {
                    // as EspeakTextToSpeech and OpenAiAudio do
                    Thread.currentThread().interrupt();
                    throw new dev.aichatroom.voice.speech.SpeechException("interrupted", e);
                }
                return TONE.synthesize(text);
            }

            @Override
            public String describe() {
                return "slow";
            }
        };
        ch.qos.logback.classic.Logger log =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(Pipeline.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs =
                new ch.qos.logback.core.read.ListAppender<>();
        logs.start();
        log.addAppender(logs);
        try {
            Pipeline p = new Pipeline(
                    "dev-closing",
                    new RecordingOutbox(),
                    FIXED,
                    slow,
                    streaming(1, "A sentence to say."),
                    VoiceConfig.defaultTurns(),
                    true,
                    VoiceMetrics.none());
            p.start();
            p.typed("hello");
            assertThat(synthesising.await(10, java.util.concurrent.TimeUnit.SECONDS))
                    .isTrue();
            p.close();
            assertThat(logs.list)
                    .as("closing a call is no failure")
                    .noneMatch(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.WARN));
        } finally {
            log.detachAppender(logs);
        }
    }
}
