package dev.aichatroom.voice.speech;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
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
    /** The phrase list as Vosk takes it (a JSON array), or null to hear everything; set when the model loads. */
    private String grammar;

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
        try {
            Model m = model();
            try (Recognizer r =
                    grammar == null ? new Recognizer(m, sampleRate()) : new Recognizer(m, sampleRate(), grammar)) {
                r.acceptWaveForm(pcm, pcm.length);
                return JSON.readTree(r.getFinalResult()).path("text").asText("").strip();
            }
        } catch (SpeechException e) {
            throw e;
        } catch (IOException | RuntimeException | LinkageError e) {
            throw new SpeechException("Vosk failed with model " + modelDir + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** The loaded model, loading it first if needed. */
    private Model model() {
        if (model == null) {
            // Vosk reads the current layout when there is an am/final.mdl, else the old one (final.mdl)
            if (!Files.isRegularFile(modelDir.resolve("am/final.mdl"))
                    && !Files.isRegularFile(modelDir.resolve("final.mdl"))) {
                throw new SpeechException("Vosk cannot load the model " + modelDir
                        + ": not a Vosk model directory (no am/final.mdl or final.mdl)");
            }
            try {
                String g = phrases.isEmpty() ? null : JSON.writeValueAsString(phrases);
                LibVosk.setLogLevel(LogLevel.WARNINGS);
                model = new Model(modelDir.toString());
                grammar = g;
            } catch (SpeechException e) {
                throw e;
            } catch (IOException | RuntimeException | LinkageError e) {
                // Vosk says only "Failed to create a model"; Kaldi's reason went to stderr as an ERROR line
                throw new SpeechException(
                        "Vosk cannot load the model " + modelDir + ": " + e.getMessage()
                                + " (Kaldi's reason is on stderr)",
                        e);
            }
        }
        return model;
    }

    @Override
    public void warmUp() {
        lock.lock();
        try {
            model();
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
