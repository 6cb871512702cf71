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

    private final Path modelFile;
    private final String language;
    private final ReentrantLock lock = new ReentrantLock();
    private WhisperJNI whisper;
    private WhisperContext context;

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
            WhisperFullParams params = new WhisperFullParams(WhisperSamplingStrategy.GREEDY);
            params.language = language;
            params.nThreads = Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
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

    /** The words, without the non-speech annotations (which would otherwise start a turn of their own). */
    static String speech(String text) {
        return NON_SPEECH.matcher(text).replaceAll(" ").strip().replaceAll("\\s{2,}", " ");
    }

    private void load() {
        if (context != null) {
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
            context = whisper.init(modelFile);
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
        } finally {
            lock.unlock();
        }
    }
}
