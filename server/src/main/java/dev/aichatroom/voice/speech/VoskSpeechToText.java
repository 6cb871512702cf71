package dev.aichatroom.voice.speech;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vosk.LibVosk;
import org.vosk.LogLevel;
import org.vosk.Model;
import org.vosk.Recognizer;

/**
 * Vosk (Kaldi) with a model directory the user downloaded (e.g. vosk-model-small-en-us or -cn). A phrase list limits
 * recognition to those phrases where the model can do it: a model whose graph Vosk composes at run time
 * ({@code HCLr.fst} + {@code Gr.fst}, the small models). A model with a precompiled {@code HCLG.fst} (the big ones)
 * cannot; it hears its whole vocabulary and the list is ignored, with one warning.
 */
final class VoskSpeechToText implements SpeechToText {
    private static final Logger LOG = LoggerFactory.getLogger(VoskSpeechToText.class);
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
            // Vosk reads the current layout when there is an am/final.mdl (graph in graph/), else the old one
            Path graph;
            if (Files.isRegularFile(modelDir.resolve("am/final.mdl"))) {
                graph = modelDir.resolve("graph");
            } else if (Files.isRegularFile(modelDir.resolve("final.mdl"))) {
                graph = modelDir;
            } else {
                throw new SpeechException("Vosk cannot load the model " + modelDir
                        + ": not a Vosk model directory (no am/final.mdl or final.mdl)");
            }
            try {
                String g = grammar(graph);
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

    /**
     * The phrases as Vosk's grammar, or null when there are none or the model cannot take them. Vosk itself would warn
     * on every utterance (on stderr) and decode everything with a static graph, and drop unknown words from phrases,
     * also with a warning each time; here that is said once. Words are looked up as written, then lower-cased without
     * punctuation ("Camera!" is "camera"), as Vosk's English vocabularies spell them.
     */
    private String grammar(Path graph) throws IOException {
        if (phrases.isEmpty()) {
            return null;
        }
        if (Files.exists(graph.resolve("HCLG.fst"))) { // Vosk then decodes with it, HCLr.fst or not
            LOG.warn(
                    "Vosk model {} has a precompiled graph (HCLG.fst) that cannot be limited to phrases: it hears its"
                            + " whole vocabulary and ignores the {} phrase(s); models with HCLr.fst and Gr.fst (the"
                            + " small ones) take them",
                    modelDir,
                    phrases.size());
            return null;
        }
        Path wordsFile = graph.resolve("words.txt");
        Set<String> vocabulary = new HashSet<>();
        if (Files.isRegularFile(wordsFile)) {
            for (String line : Files.readAllLines(wordsFile, StandardCharsets.UTF_8)) {
                String[] f = line.strip().split("\\s+");
                if (!f[0].isEmpty()) {
                    vocabulary.add(f[0]);
                }
            }
        }
        List<String> known = new ArrayList<>();
        Set<String> unknown = new TreeSet<>();
        for (String phrase : phrases) {
            List<String> words = new ArrayList<>();
            for (String word : phrase.strip().split("\\s+")) {
                String plain = word.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}']", "");
                if (vocabulary.isEmpty() || vocabulary.contains(word)) {
                    words.add(word);
                } else if (vocabulary.contains(plain)) {
                    words.add(plain);
                } else if (!plain.isEmpty()) { // punctuation alone is no word
                    unknown.add(word);
                }
            }
            if (!words.isEmpty()) {
                known.add(String.join(" ", words));
            }
        }
        if (known.isEmpty()) {
            throw new SpeechException("Vosk model " + modelDir + " knows none of the phrases' words " + unknown
                    + ": limited to them, it would hear nothing");
        }
        if (!unknown.isEmpty()) {
            LOG.warn("Vosk model {} does not know the word(s) {}: left out of the phrases", modelDir, unknown);
        }
        return JSON.writeValueAsString(known);
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
