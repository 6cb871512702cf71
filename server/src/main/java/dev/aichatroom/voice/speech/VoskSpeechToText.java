package dev.aichatroom.voice.speech;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.vosk.LibVosk;
import org.vosk.LogLevel;
import org.vosk.Model;
import org.vosk.Recognizer;

/** Vosk (Kaldi) with a model directory the user downloaded (e.g. vosk-model-small-en-us or -cn). */
final class VoskSpeechToText implements SpeechToText {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path modelDir;
    private final List<String> phrases;
    private final ReentrantLock lock = new ReentrantLock();
    private Model model;

    VoskSpeechToText(Path modelDir, List<String> phrases) {
        this.modelDir = modelDir;
        this.phrases = List.copyOf(phrases);
    }

    @Override
    public int sampleRate() {
        return 16_000;
    }

    @Override
    public String transcribe(Pcm audio) {
        byte[] pcm = audio.resample(sampleRate()).littleEndian();
        lock.lock();
        try (Recognizer r = phrases.isEmpty()
                ? new Recognizer(model(), sampleRate())
                : new Recognizer(model(), sampleRate(), JSON.writeValueAsString(phrases))) {
            r.acceptWaveForm(pcm, pcm.length);
            return JSON.readTree(r.getFinalResult()).path("text").asText("").strip();
        } catch (IOException | RuntimeException | LinkageError e) {
            throw new SpeechException("Vosk failed with model " + modelDir + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    private Model model() throws IOException {
        if (model == null) {
            LibVosk.setLogLevel(LogLevel.WARNINGS);
            model = new Model(modelDir.toString());
        }
        return model;
    }

    @Override
    public void warmUp() {
        lock.lock();
        try {
            model();
        } catch (IOException | RuntimeException | LinkageError e) {
            throw new SpeechException("Vosk cannot load the model " + modelDir + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String describe() {
        return "vosk model " + modelDir;
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (model != null) {
                model.close();
                model = null;
            }
        } finally {
            lock.unlock();
        }
    }
}
