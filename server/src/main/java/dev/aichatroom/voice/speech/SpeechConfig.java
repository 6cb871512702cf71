package dev.aichatroom.voice.speech;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Which speech engines run and with what.
 *
 * @param stt the speech-to-text engine
 * @param sttModel Vosk: the model directory; whisper: the ggml model file; openai: the model name (default
 *     {@code whisper-1}); Sphinx: unused (its model is in its jar)
 * @param grammar Sphinx: a JSGF grammar file used instead of the built-in command grammar
 * @param phrases Sphinx: extra phrases recognised besides the grammar's; Vosk: the phrase list it is limited to, if any
 *     and if the model's graph is composed at run time (not a precompiled HCLG.fst)
 * @param tts the text-to-speech engine
 * @param ttsVoice espeak-ng voice (default {@code en-us}, {@code cmn} for Chinese text) or the API's voice ({@code
 *     alloy})
 * @param ttsModel the speech API's model (default {@code tts-1})
 * @param apiUrl base URL of the OpenAI-compatible audio API, ending in {@code /v1}
 * @param apiKey its key; never logged
 * @param language {@code zh} or {@code en}: the language the engines expect first
 * @param apiTimeout longest wait for one API call
 */
public record SpeechConfig(
        Stt stt,
        Optional<String> sttModel,
        Optional<Path> grammar,
        List<String> phrases,
        Tts tts,
        Optional<String> ttsVoice,
        Optional<String> ttsModel,
        Optional<String> apiUrl,
        Optional<String> apiKey,
        String language,
        Duration apiTimeout) {
    public SpeechConfig {
        phrases = List.copyOf(phrases);
    }

    /** Speech-to-text engines. */
    public enum Stt {
        SPHINX,
        VOSK,
        WHISPER,
        OPENAI;

        public static Optional<Stt> parse(String name) {
            for (Stt s : values()) {
                if (s.name().equalsIgnoreCase(name.strip())) {
                    return Optional.of(s);
                }
            }
            return Optional.empty();
        }
    }

    /** Text-to-speech engines; {@code AUTO} is espeak-ng when installed, else FreeTTS. */
    public enum Tts {
        AUTO,
        ESPEAK,
        FREETTS,
        OPENAI;

        public static Optional<Tts> parse(String name) {
            String n = name.strip().replace("-", "").replace("espeakng", "espeak");
            for (Tts t : values()) {
                if (t.name().equalsIgnoreCase(n)) {
                    return Optional.of(t);
                }
            }
            return Optional.empty();
        }
    }

    /** The defaults: Sphinx4 with its command grammar, espeak-ng or FreeTTS. */
    public static SpeechConfig defaults() {
        return new SpeechConfig(
                Stt.SPHINX,
                Optional.empty(),
                Optional.empty(),
                List.of(),
                Tts.AUTO,
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                "en",
                Duration.ofSeconds(30));
    }
}
