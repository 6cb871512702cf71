package dev.aichatroom.voice.speech;

import io.github.givimad.whisperjni.WhisperContext;
import io.github.givimad.whisperjni.WhisperFullParams;
import io.github.givimad.whisperjni.WhisperJNI;
import io.github.givimad.whisperjni.WhisperSamplingStrategy;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * whisper.cpp through whisper-jni, with a ggml model file the user downloaded (e.g. ggml-base.bin). The file is checked
 * in Java before whisper.cpp reads it ({@link WhisperModelFile}), because whisper.cpp aborts the JVM on some damaged
 * files. whisper.cpp's own log goes to this class's logger at DEBUG instead of stderr.
 */
final class WhisperSpeechToText implements SpeechToText {
    private static final Logger LOG = LoggerFactory.getLogger(WhisperSpeechToText.class);
    /** whisper.cpp 1.7 returns no text at all for less than a second of audio (16200 samples); pad up to this. */
    static final int MIN_SAMPLES = 19_200;
    /** The annotations whisper models write for what is not speech: [BLANK_AUDIO], [MUSIC], (wind blowing). */
    private static final Pattern NON_SPEECH = Pattern.compile("\\[[^\\]]*]|\\([^)]*\\)");
    /** The last lines whisper.cpp logged, for the message when it refuses a model. */
    private static final Deque<String> NATIVE_LOG = new ArrayDeque<>();

    /**
     * Below this mean log-probability of its text tokens (whisper.cpp's own {@code logprob_thold}) a transcription is a
     * guess, not what was said: the caller hears "" and says it did not catch that.
     */
    static final double MIN_MEAN_LOG_PROBABILITY = -1.0;

    private final Path modelFile;
    private final String language;
    private final ReentrantLock lock = new ReentrantLock();
    private WhisperJNI whisper;
    private WhisperContext context;
    /** whisper.cpp's C API with token probabilities, when its layout is the known one; else whisper-jni alone. */
    private WhisperNative api;

    private com.sun.jna.Pointer nativeContext;

    WhisperSpeechToText(Path modelFile, String language) {
        this.modelFile = modelFile;
        this.language = language;
    }

    @Override
    public int sampleRate() {
        return 16_000;
    }

    @Override
    public String transcribe(Pcm audio) {
        short[] s = audio.resample(sampleRate()).samples();
        // trailing silence, as whisper.cpp itself pads every window to 30 s
        float[] f = new float[Math.max(s.length, MIN_SAMPLES)];
        for (int i = 0; i < s.length; i++) {
            f[i] = s[i] / 32768f;
        }
        lock.lock();
        try {
            load();
            if (nativeContext != null) {
                return confident(api.full(nativeContext, f, language, threads()));
            }
            WhisperFullParams params = new WhisperFullParams(WhisperSamplingStrategy.GREEDY);
            params.language = language;
            params.nThreads = threads();
            params.printProgress = false;
            params.printRealtime = false;
            // only the text is used: no decoder steps spent on timestamp tokens
            params.noTimestamps = true;
            int result = whisper.full(context, params, f, f.length);
            if (result != 0) {
                throw new SpeechException("whisper.cpp failed with code " + result);
            }
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < whisper.fullNSegments(context); i++) {
                text.append(whisper.fullGetSegmentText(context, i));
            }
            return speech(text.toString());
        } finally {
            lock.unlock();
        }
    }

    private static int threads() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
    }

    /** The words, or "" when whisper was not sure of them (never a guess at a command). */
    static String confident(WhisperNative.Result r) {
        String words = speech(r.text());
        double meanLogP = r.meanLogProbability();
        if (!words.isEmpty() && meanLogP < MIN_MEAN_LOG_PROBABILITY) {
            LOG.debug(
                    "Recognition not sure (mean log-probability {} of {} tokens): '{}' taken as not understood",
                    String.format(java.util.Locale.ROOT, "%.2f", meanLogP),
                    r.tokenProbabilities().length,
                    words.replaceAll("\\p{Cntrl}", " "));
            return "";
        }
        return words;
    }

    /** The words, without the non-speech annotations (which would otherwise start a turn of their own). */
    static String speech(String text) {
        return NON_SPEECH.matcher(text).replaceAll(" ").strip().replaceAll("\\s{2,}", " ");
    }

    private static String nativeLogLines() {
        synchronized (NATIVE_LOG) {
            return String.join("; ", NATIVE_LOG);
        }
    }

    private void load() {
        if (context != null || nativeContext != null) {
            return;
        }
        WhisperModelFile.check(modelFile);
        try {
            WhisperJNI.loadLibrary(LOG::debug);
            WhisperJNI.setLibraryLogger(WhisperSpeechToText::nativeLog);
            whisper = new WhisperJNI();
            synchronized (NATIVE_LOG) {
                NATIVE_LOG.clear();
            }
            if (api == null) {
                StringBuilder why = new StringBuilder();
                api = WhisperNative.load(why).orElse(null);
                if (api == null) {
                    LOG.info(
                            "Voice: whisper.cpp without token probabilities ({}): low-confidence speech is not"
                                    + " told apart",
                            why);
                }
            }
            if (api != null) {
                nativeContext = api.init(modelFile).orElse(null);
                if (nativeContext == null) {
                    throw new SpeechException("whisper.cpp cannot load " + modelFile + ": " + nativeLogLines());
                }
                context = null;
                return;
            }
            context = whisper.init(modelFile);
        } catch (SpeechException e) {
            throw e;
        } catch (IOException | RuntimeException | LinkageError e) {
            throw new SpeechException("whisper.cpp cannot load " + modelFile + ": " + e.getMessage(), e);
        }
        if (context == null) {
            String why;
            synchronized (NATIVE_LOG) {
                why = String.join("; ", NATIVE_LOG);
            }
            throw new SpeechException("whisper.cpp cannot load " + modelFile + ": " + why);
        }
    }

    private static void nativeLog(String line) {
        String l = line.strip();
        if (l.isEmpty()) {
            return;
        }
        LOG.debug("whisper.cpp: {}", l);
        synchronized (NATIVE_LOG) {
            if (NATIVE_LOG.size() == 3) {
                NATIVE_LOG.removeFirst();
            }
            NATIVE_LOG.addLast(l);
        }
    }

    @Override
    public void warmUp() {
        lock.lock();
        try {
            load();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String describe() {
        return "whisper.cpp model " + modelFile + " (" + language + ")";
    }

    /** Frees the model; a later {@link #transcribe} loads it again. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (context != null) {
                context.close();
                context = null;
            }
            if (nativeContext != null) {
                api.free(nativeContext);
                nativeContext = null;
            }
        } finally {
            lock.unlock();
        }
    }
}
