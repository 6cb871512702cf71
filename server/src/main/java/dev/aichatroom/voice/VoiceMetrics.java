package dev.aichatroom.voice;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The voice companion's meters on {@code /metrics}: open calls, how fast calls are answered and connected, how long
 * recognition takes, how soon a reply is heard after the user stops speaking, and how often the user speaks over it.
 */
final class VoiceMetrics {
    private final Counter started;
    private final Counter refused;
    private final Timer answer;
    private final Timer connect;
    private final Timer recognition;
    private final Timer firstAudio;
    private final Counter bargeIns;
    private final Map<String, Timer> stages = new java.util.concurrent.ConcurrentHashMap<>();
    private final MeterRegistry meters;

    VoiceMetrics(MeterRegistry meters, Map<String, ?> sessions) {
        this.meters = meters;
        meters.gauge("voice.sessions", sessions, Map::size);
        started = counter(
                "voice.sessions.started", "Voice calls opened (an sdp_offer or a typed chat from a new device)");
        refused = counter(
                "voice.offers.refused",
                "Offers refused before anything native was made: their shape, the offer rate, no free slot");
        answer = timer("voice.answer", "From a device's sdp_offer to the sdp_answer");
        connect = timer("voice.connect", "From a device's sdp_offer to the peer connection connected");
        recognition = timer("voice.recognition", "Speech-to-text time of one utterance");
        firstAudio =
                timer("voice.reply.first.audio", "From the end of the user's turn to the first audio of the reply");
        bargeIns = counter("voice.barge.ins", "Replies cut short because the user spoke over them");
    }

    private Counter counter(String name, String description) {
        return Counter.builder(name).description(description).register(meters);
    }

    private Timer timer(String name, String description) {
        return Timer.builder(name).description(description).register(meters);
    }

    /** {@code voice_answering}: 1 where this instance takes new calls, 0 where it stands by or cannot do voice. */
    void answering(java.util.function.BooleanSupplier answering) {
        io.micrometer.core.instrument.Gauge.builder("voice.answering", answering, a -> a.getAsBoolean() ? 1 : 0)
                .description("1 where this instance takes new calls; on an external broker one instance does")
                .strongReference(true) // the supplier is a lambda nobody else holds
                .register(meters);
    }

    /** Meters nobody reads, for tests that do not look at them. */
    static VoiceMetrics none() {
        return new VoiceMetrics(new SimpleMeterRegistry(), Map.of());
    }

    void started() {
        started.increment();
    }

    void refused() {
        refused.increment();
    }

    void answered(long millis) {
        answer.record(millis, TimeUnit.MILLISECONDS);
    }

    void connected(long millis) {
        connect.record(millis, TimeUnit.MILLISECONDS);
    }

    void recognised(long nanos) {
        recognition.record(nanos, TimeUnit.NANOSECONDS);
    }

    void firstAudio(long nanos) {
        firstAudio.record(nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * {@code voice_reply_stage_seconds{stage=…}}: one stage of the time from the end of the user's turn to the first
     * reply audio (recognition, assistant, synthesis, queues).
     */
    void stage(String stage, long nanos) {
        stages.computeIfAbsent(
                        stage,
                        s -> Timer.builder("voice.reply.stage")
                                .description("One stage between the end of the user's turn and the first reply audio")
                                .tag("stage", s)
                                .register(meters))
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    void bargeIn() {
        bargeIns.increment();
    }
}
