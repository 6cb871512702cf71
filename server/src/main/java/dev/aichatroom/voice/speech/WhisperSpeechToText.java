package dev.aichatroom.voice.speech;

import io.github.givimad.whisperjni.WhisperContext;
import io.github.givimad.whisperjni.WhisperFullParams;
import io.github.givimad.whisperjni.WhisperJNI;
import io.github.givimad.whisperjni.WhisperSamplingStrategy;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantLock;

/** whisper.cpp through whisper-jni, with a ggml model file the user downloaded (e.g. ggml-base.bin). */
final class WhisperSpeechToText implements SpeechToText {
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
        float[] f = new float[s.length];
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
            int result = whisper.full(context, params, f, f.length);
            if (result != 0) {
                throw new SpeechException("whisper.cpp failed with code " + result);
            }
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < whisper.fullNSegments(context); i++) {
                text.append(whisper.fullGetSegmentText(context, i));
            }
            return text.toString().strip();
        } finally {
            lock.unlock();
        }
    }

    private void load() {
        if (context != null) {
            return;
        }
        try {
            WhisperJNI.loadLibrary();
            whisper = new WhisperJNI();
            context = whisper.init(modelFile);
        } catch (IOException | RuntimeException | LinkageError e) {
            throw new SpeechException("whisper.cpp cannot load " + modelFile + ": " + e.getMessage(), e);
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
