package dev.aichatroom.voice.speech;

import edu.cmu.sphinx.api.Configuration;
import edu.cmu.sphinx.api.SpeechResult;
import edu.cmu.sphinx.api.StreamSpeechRecognizer;
import edu.cmu.sphinx.frontend.endpoint.SpeechClassifier;
import edu.cmu.sphinx.frontend.endpoint.SpeechMarker;
import edu.cmu.sphinx.frontend.feature.LiveCMN;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * CMU Sphinx4 with the US English model from its Maven artifact, limited to a JSGF command grammar: accurate and
 * fast (well under a second) for the phrases it knows, and it knows only those. The built-in grammar covers the web
 * page's tools and common small talk; {@code VOICE_STT_PHRASES} adds phrases, {@code VOICE_STT_GRAMMAR} replaces it
 * with the user's own JSGF file. One recognizer, used by one utterance at a time.
 */
final class SphinxSpeechToText implements SpeechToText {
    static final List<String> COMMANDS = List.of(
            "turn on the camera",
            "turn off the camera",
            "switch on the camera",
            "switch off the camera",
            "open the camera",
            "close the camera",
            "take a photo",
            "take a picture",
            "volume up",
            "volume down",
            "mute",
            "louder",
            "quieter",
            "hello",
            "hi",
            "how are you",
            "what time is it",
            "what is the weather",
            "tell me a joke",
            "thank you",
            "goodbye",
            "stop",
            "yes",
            "no",
            "help");
    private static final String MODEL = "resource:/edu/cmu/sphinx/models/en-us/";
    /**
     * Sphinx4's loggers ({@code default.config.*}, java.util.logging), held strongly so the level set here stays (the
     * log manager keeps loggers weakly).
     */
    private static final Logger SPHINX_LOG = Logger.getLogger("default.config");
    /** Sphinx4 reconfigures java.util.logging unless this property is set; see {@link #newRecognizer}. */
    private static final String JUL_CONFIG_CLASS = "java.util.logging.config.class";

    private final Optional<Path> userGrammar;
    private final List<String> phrases;
    private final ReentrantLock lock = new ReentrantLock();
    private Recognizer recognizer;
    private Path grammarDir;

    SphinxSpeechToText(Optional<Path> userGrammar, List<String> extraPhrases) {
        this.userGrammar = userGrammar;
        Set<String> all = new LinkedHashSet<>(COMMANDS);
        extraPhrases.stream()
                .map(SphinxSpeechToText::normalise)
                .filter(p -> !p.isEmpty())
                .forEach(all::add);
        this.phrases = List.copyOf(all);
        userGrammar.ifPresent(g -> {
            if (!Files.isRegularFile(g) || !g.getFileName().toString().endsWith(".gram")) {
                throw new SpeechException("VOICE_STT_GRAMMAR=" + g + " is not a JSGF file (NAME.gram)");
            }
        });
    }

    @Override
    public int sampleRate() {
        return 16_000;
    }

    @Override
    public String transcribe(Pcm audio) {
        byte[] pcm = dithered(audio.resample(sampleRate())).littleEndian();
        lock.lock();
        try {
            Recognizer r = recognizer();
            r.resetNormalisation();
            r.startRecognition(new ByteArrayInputStream(pcm));
            List<String> words = new ArrayList<>();
            try {
                SpeechResult result;
                while ((result = r.getResult()) != null) {
                    String h = result.getHypothesis();
                    if (h != null && !h.isBlank() && !h.contains("<unk>")) {
                        words.add(h.strip());
                    }
                }
            } finally {
                r.stopRecognition();
            }
            return String.join(" ", words);
        } catch (RuntimeException e) {
            throw new SpeechException("Sphinx4 failed: " + e, e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The audio with ±2 LSB of noise: a stretch of digital zeros (a muted microphone) gives the front end log(0)
     * energies that spoil its running normalisation, and the next utterance was misrecognised.
     */
    static Pcm dithered(Pcm audio) {
        short[] s = audio.samples().clone();
        java.util.SplittableRandom random = new java.util.SplittableRandom(s.length);
        for (int i = 0; i < s.length; i++) {
            s[i] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, s[i] + random.nextInt(-2, 3)));
        }
        return new Pcm(s, audio.sampleRate());
    }

    @Override
    public void warmUp() {
        lock.lock();
        try {
            recognizer();
        } finally {
            lock.unlock();
        }
    }

    /** Sphinx4's stream recognizer, with access to its live cepstral mean normalisation. */
    private static final class Recognizer extends StreamSpeechRecognizer {
        Recognizer(Configuration c) throws IOException {
            super(c);
        }

        /**
         * Forgets the channel estimate of earlier utterances: it carries over by default, and after a silent or
         * different-sounding utterance it made the next one misrecognised ("how are you" for "turn on the camera").
         */
        void resetNormalisation() {
            context.getInstance(LiveCMN.class).initialize();
            context.getInstance(SpeechClassifier.class).initialize();
            context.getInstance(SpeechMarker.class).initialize();
        }
    }

    private Recognizer recognizer() {
        if (recognizer != null) {
            return recognizer;
        }
        Configuration c = new Configuration();
        c.setAcousticModelPath(MODEL + "en-us");
        c.setDictionaryPath(MODEL + "cmudict-en-us.dict");
        c.setLanguageModelPath(MODEL + "en-us.lm.bin");
        c.setSampleRate(sampleRate());
        c.setUseGrammar(true);
        try {
            Path grammar = userGrammar.isPresent() ? userGrammar.get() : writeGrammar();
            String name = grammar.getFileName().toString();
            c.setGrammarPath(grammar.toAbsolutePath().getParent().toUri().toString());
            c.setGrammarName(name.substring(0, name.length() - ".gram".length()));
            recognizer = newRecognizer(c);
            return recognizer;
        } catch (IOException | RuntimeException e) {
            throw new SpeechException("Sphinx4 cannot load its model or grammar: " + e.getMessage(), e);
        }
    }

    /**
     * Creates a recognizer without letting Sphinx4 reconfigure logging: its configuration manager would set the JVM's
     * root logger to its {@code logLevel} (INFO in its default configuration), add a console handler of its own and then
     * log one line per acoustic unit. It leaves logging alone while {@code java.util.logging.config.class} is set, which
     * nothing else reads once the log manager is up, so the property is set for the duration of the call.
     */
    private static Recognizer newRecognizer(Configuration c) throws IOException {
        synchronized (SPHINX_LOG) {
            SPHINX_LOG.setLevel(Level.WARNING);
            boolean set = System.getProperty(JUL_CONFIG_CLASS) == null
                    && System.getProperty("java.util.logging.config.file") == null;
            if (set) {
                System.setProperty(JUL_CONFIG_CLASS, "");
            }
            try {
                return new Recognizer(c);
            } finally {
                if (set) {
                    System.clearProperty(JUL_CONFIG_CLASS);
                }
            }
        }
    }

    private Path writeGrammar() throws IOException {
        grammarDir = Files.createTempDirectory("voice-grammar-");
        Path file = grammarDir.resolve("commands.gram");
        Files.writeString(file, jsgf(phrases), StandardCharsets.UTF_8);
        grammarDir.toFile().deleteOnExit(); // should close() never run; deleted after the file (reverse order)
        file.toFile().deleteOnExit();
        return file;
    }

    static String jsgf(List<String> phrases) {
        return "#JSGF V1.0;\ngrammar commands;\npublic <command> = " + String.join(" | ", phrases) + " ;\n";
    }

    /** Lower case words the dictionary can hold: letters and apostrophes. */
    static String normalise(String phrase) {
        return phrase.toLowerCase(Locale.ROOT)
                .replaceAll("[^a-z' ]", " ")
                .replaceAll("\\s+", " ")
                .strip();
    }

    @Override
    public String describe() {
        return "sphinx4 en-us, grammar "
                + userGrammar.map(Path::toString).orElse("built-in (" + phrases.size() + " phrases)");
    }

    @Override
    public void close() {
        lock.lock();
        try {
            recognizer = null;
            if (grammarDir != null) {
                try (var files = Files.list(grammarDir)) {
                    for (Path f : files.toList()) {
                        Files.deleteIfExists(f);
                    }
                    Files.deleteIfExists(grammarDir);
                } catch (IOException e) {
                    // a temporary file left behind
                }
            }
        } finally {
            lock.unlock();
        }
    }
}
