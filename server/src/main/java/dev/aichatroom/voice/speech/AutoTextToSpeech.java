package dev.aichatroom.voice.speech;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default text-to-speech ({@code VOICE_TTS=auto}): Piper's neural voices, downloaded on the first call into
 * {@code DATA_DIR/models} like the speech model ({@link ModelDownload}: resumed, checked, retried after 30 s, 2 min and
 * 10 min), one for English and one for Chinese text. Until a voice is there and loads — and for a language it has no
 * voice for — the fallback (espeak-ng, else FreeTTS) speaks. The Chinese voice is fetched only where espeak-ng can
 * phonemize Chinese ({@link EspeakPhonemes#speaksChinese()}); otherwise one log line says why Chinese stays with the
 * fallback. A sentence a Piper voice fails on is spoken by the fallback.
 */
final class AutoTextToSpeech implements TextToSpeech {
    private static final Logger LOG = LoggerFactory.getLogger(AutoTextToSpeech.class);

    /** One voice to get: its model and its config. */
    record Download(String language, ModelDownload model, ModelDownload config) {}

    private final List<Download> downloads;
    private final boolean allowed;
    private final TextToSpeech fallback;
    private final Function<Path, TextToSpeech> piperOf;
    private final BooleanSupplier chineseWorks;
    private final List<Duration> retries;
    private final Map<String, TextToSpeech> ready = new ConcurrentHashMap<>();
    private final Map<String, String> skipped = new ConcurrentHashMap<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile Thread worker;

    /**
     * @param downloads the voices, the first to get first
     * @param allowed whether to download at all ({@code VOICE_TTS_DOWNLOAD}); files already there are used anyway
     * @param fallback speaks until a voice is ready, and what no voice speaks
     * @param piperOf makes the engine for a downloaded model
     * @param chineseWorks whether espeak-ng phonemizes Chinese here
     * @param retries waits before the next attempts after a failed one
     */
    AutoTextToSpeech(
            List<Download> downloads,
            boolean allowed,
            TextToSpeech fallback,
            Function<Path, TextToSpeech> piperOf,
            BooleanSupplier chineseWorks,
            List<Duration> retries) {
        this.downloads = List.copyOf(downloads);
        this.allowed = allowed;
        this.fallback = fallback;
        this.piperOf = piperOf;
        this.chineseWorks = chineseWorks;
        this.retries = List.copyOf(retries);
    }

    @Override
    public Pcm synthesize(String text) {
        TextToSpeech voice = ready.get(EspeakTextToSpeech.containsChinese(text) ? "zh" : "en");
        if (voice != null) {
            try {
                return voice.synthesize(text);
            } catch (SpeechException e) {
                LOG.warn(
                        "Voice: {} failed ({}); {} speaks this sentence",
                        voice.describe(),
                        e.getMessage(),
                        fallback.describe());
            }
        }
        return fallback.synthesize(text);
    }

    /** Starts (once) getting the voices in the background. */
    @Override
    public void warmUp() {
        if (started.compareAndSet(false, true)) {
            worker = Thread.ofPlatform()
                    .name("voice-tts-download")
                    .daemon(true)
                    .priority(Thread.MIN_PRIORITY)
                    .start(() -> downloads.forEach(this::obtain));
        }
    }

    /** Waits for the background work (tests). */
    boolean awaitSettled(Duration timeout) throws InterruptedException {
        Thread t = worker;
        return t == null || t.join(timeout);
    }

    /** Whether a Piper voice speaks text of this language ({@code en}, {@code zh}) now. */
    boolean ready(String language) {
        return ready.containsKey(language);
    }

    private void obtain(Download d) {
        if (d.language().equals("zh") && !chineseWorks.getAsBoolean()) {
            skipped.put(d.language(), "espeak-ng cannot phonemize Chinese here");
            LOG.warn(
                    "Voice: the Chinese Piper voice {} is not used: no voice of this espeak-ng reads Chinese as"
                            + " Mandarin (neither cmn-latn-pinyin nor cmn); Chinese text is spoken by {}. espeak-ng 1.51"
                            + " or later (apt-get install espeak-ng) fixes it",
                    d.model().target().getFileName(),
                    fallback.describe());
            return;
        }
        boolean present = Files.isRegularFile(d.model().target())
                && Files.isRegularFile(d.config().target());
        if (!allowed && !present) {
            skipped.put(d.language(), "downloads are off");
            LOG.warn("Voice: {}", whatToDownload(d, "downloads are off (VOICE_TTS_DOWNLOAD=false)"));
            return;
        }
        for (int attempt = 0; ; attempt++) {
            try {
                d.config().run();
                Path model = d.model().run();
                TextToSpeech piper = piperOf.apply(model);
                piper.warmUp(); // a damaged model fails here, not in a call
                ready.put(d.language(), piper);
                LOG.info("Voice: text-to-speech for {} is now {}", language(d), piper.describe());
                return;
            } catch (SpeechException e) {
                if (attempt >= retries.size()) {
                    skipped.put(d.language(), e.getMessage());
                    LOG.warn("Voice: {}", whatToDownload(d, e.getMessage()));
                    return;
                }
                LOG.warn(
                        "Voice: {}; trying again in {} s ({} meanwhile)",
                        e.getMessage(),
                        retries.get(attempt).toSeconds(),
                        fallback.describe());
                try {
                    Thread.sleep(retries.get(attempt));
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    private static String language(Download d) {
        return d.language().equals("zh") ? "Chinese" : "English";
    }

    /** The one line that says what to download and where. */
    String whatToDownload(Download d, String why) {
        return "no Piper voice for " + language(d) + " (" + why + "): download "
                + d.model().url() + " ("
                + d.model().checksum() + ") and " + d.config().url() + " ("
                + d.config().checksum() + ") to "
                + d.model().target().getParent().toAbsolutePath() + "; until then " + fallback.describe() + " speaks";
    }

    @Override
    public String describe() {
        String voices = downloads.stream()
                .map(d -> {
                    TextToSpeech r = ready.get(d.language());
                    if (r != null) {
                        return r.describe();
                    }
                    String why = skipped.get(d.language());
                    return "Piper " + d.model().target().getFileName() + " "
                            + (why != null
                                    ? "not used (" + why + ")"
                                    : d.model().progress().describe());
                })
                .collect(Collectors.joining(", "));
        return voices + "; " + fallback.describe() + " for the rest";
    }

    @Override
    public void close() {
        Thread t = worker;
        if (t != null) {
            t.interrupt();
        }
        ready.values().forEach(TextToSpeech::close);
        fallback.close();
    }
}
