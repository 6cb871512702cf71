package dev.aichatroom.voice.speech;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default speech-to-text ({@code VOICE_STT=auto}): whisper.cpp with a multilingual model that is downloaded into
 * {@code DATA_DIR/models} on first use ({@link ModelDownload}); until it is there and loads, Sphinx4's English command
 * grammar stands in, and {@link #standIn()} says so for the voice page. A failed download is retried after 30 s, 2 min
 * and 10 min (resuming where it broke off); where downloads are off ({@code VOICE_STT_DOWNLOAD=false}) or the server
 * cannot be reached, one log line says what to download and where.
 */
final class AutoSpeechToText implements SpeechToText {
    private static final Logger LOG = LoggerFactory.getLogger(AutoSpeechToText.class);
    static final List<Duration> RETRIES =
            List.of(Duration.ofSeconds(30), Duration.ofMinutes(2), Duration.ofMinutes(10));

    private final ModelDownload download;
    private final boolean downloads;
    private final SpeechToText standIn;
    private final Function<java.nio.file.Path, SpeechToText> whisperOf;
    private final List<Duration> retries;
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile SpeechToText whisper;
    private volatile Thread worker;

    /**
     * @param download the model's download
     * @param downloads whether to download at all ({@code VOICE_STT_DOWNLOAD})
     * @param standIn the engine used until the model is ready
     * @param whisperOf makes the whisper engine for the downloaded file
     * @param retries waits before the next attempts after a failed one
     */
    AutoSpeechToText(
            ModelDownload download,
            boolean downloads,
            SpeechToText standIn,
            Function<java.nio.file.Path, SpeechToText> whisperOf,
            List<Duration> retries) {
        this.download = download;
        this.downloads = downloads;
        this.standIn = standIn;
        this.whisperOf = whisperOf;
        this.retries = List.copyOf(retries);
    }

    @Override
    public int sampleRate() {
        return 16_000;
    }

    @Override
    public String transcribe(Pcm audio) {
        SpeechToText w = whisper;
        return (w != null ? w : standIn).transcribe(audio);
    }

    /** What the voice page should tell the user while the model is not ready; empty once whisper answers. */
    public Optional<String> standIn() {
        if (whisper != null) {
            return Optional.empty();
        }
        return Optional.of("Free speech recognition is not ready yet (speech model "
                + download.target().getFileName() + ": " + download.progress().describe()
                + "); until then only English commands such as \"turn on the camera\" are understood.");
    }

    /** Whether the whisper model answers now. */
    boolean ready() {
        return whisper != null;
    }

    /** Starts (once) getting the model in the background, and loads the stand-in meanwhile. */
    @Override
    public void warmUp() {
        if (started.compareAndSet(false, true)) {
            worker = Thread.ofPlatform()
                    .name("voice-model-download")
                    .daemon(true)
                    .priority(Thread.MIN_PRIORITY)
                    .start(this::obtain);
        }
        standIn.warmUp();
    }

    /** Waits for the background work (tests). */
    boolean awaitSettled(Duration timeout) throws InterruptedException {
        Thread t = worker;
        return t == null || t.join(timeout);
    }

    private void obtain() {
        if (!downloads && !java.nio.file.Files.isRegularFile(download.target())) {
            LOG.warn("Voice: {}", whatToDownload("downloads are off (VOICE_STT_DOWNLOAD=false)"));
            return;
        }
        for (int attempt = 0; ; attempt++) {
            try {
                java.nio.file.Path file = download.run();
                SpeechToText w = whisperOf.apply(file);
                w.warmUp(); // checks and loads the file: a damaged one fails here, not in a call
                whisper = w;
                LOG.info("Voice: speech-to-text is now {}", w.describe());
                return;
            } catch (SpeechException e) {
                if (attempt >= retries.size()) {
                    LOG.warn("Voice: {}", whatToDownload(e.getMessage()));
                    return;
                }
                LOG.warn(
                        "Voice: {}; trying again in {} s (Sphinx4 commands meanwhile)",
                        e.getMessage(),
                        retries.get(attempt).toSeconds());
                try {
                    Thread.sleep(retries.get(attempt));
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    /** The one line that says what to download and where. */
    String whatToDownload(String why) {
        return "no speech model (" + why + "): download " + download.url() + " (" + download.checksum() + ") to "
                + download.target().toAbsolutePath() + ", or set VOICE_STT_MODEL; until then Sphinx4"
                + " understands only English commands";
    }

    @Override
    public String describe() {
        SpeechToText w = whisper;
        return w != null
                ? w.describe()
                : "whisper.cpp " + download.target().getFileName() + " "
                        + download.progress().describe() + " (" + standIn.describe() + " stands in)";
    }

    @Override
    public void close() {
        Thread t = worker;
        if (t != null) {
            t.interrupt();
        }
        SpeechToText w = whisper;
        if (w != null) {
            w.close();
        }
        standIn.close();
    }
}
