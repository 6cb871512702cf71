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
 * @param whisper the default engine's whisper model and how it is downloaded; the language whisper transcribes
 * @param piper the default text-to-speech's Piper voices and how they are downloaded
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
        Duration apiTimeout,
        Whisper whisper,
        Piper piper) {
    public SpeechConfig {
        phrases = List.copyOf(phrases);
    }

    /**
     * Without a models directory: the default engines keep their models under the working directory's {@code models}
     * and download them there.
     */
    public SpeechConfig(
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
        this(
                stt,
                sttModel,
                grammar,
                phrases,
                tts,
                ttsVoice,
                ttsModel,
                apiUrl,
                apiKey,
                language,
                apiTimeout,
                Whisper.defaults(Path.of("models")),
                Piper.defaults(Path.of("models"), true));
    }

    /** The multilingual whisper.cpp model {@code VOICE_STT=auto} downloads on first use. */
    public static final String DEFAULT_MODEL_URL =
            "https://huggingface.co/ggerganov/whisper.cpp/resolve/main/ggml-base.bin";
    /** SHA-256 of {@link #DEFAULT_MODEL_URL}'s file (whisper.cpp's ggml-base.bin, 147,951,465 bytes). */
    public static final String DEFAULT_MODEL_SHA256 =
            "60ed5bc3dd14eea856493d334349b405782ddcaf0028d4b5df4088345fba2efe";

    /**
     * The default engine's model.
     *
     * @param url where it is downloaded from ({@code VOICE_STT_MODEL_URL})
     * @param sha256 its pinned SHA-256 ({@code VOICE_STT_MODEL_SHA256})
     * @param dir where it is kept ({@code DATA_DIR/models})
     * @param download whether it may be downloaded ({@code VOICE_STT_DOWNLOAD})
     * @param language the language whisper transcribes ({@code VOICE_LANGUAGE}); empty = whisper detects it
     */
    public record Whisper(java.net.URI url, String sha256, Path dir, boolean download, Optional<String> language) {
        public static Whisper defaults(Path dir) {
            return new Whisper(
                    java.net.URI.create(DEFAULT_MODEL_URL), DEFAULT_MODEL_SHA256, dir, true, Optional.empty());
        }

        /** The file name the model is kept under: the URL's last path segment. */
        public String fileName() {
            String path = url.getPath();
            String name = path.substring(path.lastIndexOf('/') + 1);
            return name.isEmpty() ? "whisper-model.bin" : name;
        }
    }

    /**
     * A Piper voice the default text-to-speech downloads: the model and its config, each with a pinned checksum
     * ({@code md5:HEX} where the publisher lists only MD5, decision 0016).
     *
     * @param language {@code en} or {@code zh}: the text it speaks (Chinese text goes to {@code zh})
     */
    public record PiperVoice(
            String language, java.net.URI model, String modelChecksum, java.net.URI config, String configChecksum) {
        /** The file name the model is kept under: the URL's last path segment. */
        public String fileName() {
            String path = model.getPath();
            return path.substring(path.lastIndexOf('/') + 1);
        }
    }

    private static final String PIPER_VOICES = "https://huggingface.co/rhasspy/piper-voices/resolve/main/";

    /** Piper's US English voice "lessac" (medium, 22.05 kHz, 63 MB); MD5s as Piper's voices.json lists them. */
    public static final PiperVoice PIPER_EN = new PiperVoice(
            "en",
            java.net.URI.create(PIPER_VOICES + "en/en_US/lessac/medium/en_US-lessac-medium.onnx"),
            "md5:2fc642b535197b6305c7c8f92dc8b24f",
            java.net.URI.create(PIPER_VOICES + "en/en_US/lessac/medium/en_US-lessac-medium.onnx.json"),
            "md5:c1f2b7bddefe113f3255ff9ef234cfd3");

    /** Piper's Mandarin voice "huayan" (medium, 63 MB); needs espeak-ng with its full Mandarin dictionary. */
    public static final PiperVoice PIPER_ZH = new PiperVoice(
            "zh",
            java.net.URI.create(PIPER_VOICES + "zh/zh_CN/huayan/medium/zh_CN-huayan-medium.onnx"),
            "md5:40cdb7930ff91b81574d5f0489e076ea",
            java.net.URI.create(PIPER_VOICES + "zh/zh_CN/huayan/medium/zh_CN-huayan-medium.onnx.json"),
            "md5:1fda3ec1d0d3a5a74064397ea8fe0af0");

    /**
     * The default text-to-speech's neural voices.
     *
     * @param voices the voices, the one for {@code CHAT_LANGUAGE} first
     * @param dir where they are kept ({@code DATA_DIR/models})
     * @param download whether they may be downloaded ({@code VOICE_TTS_DOWNLOAD})
     */
    public record Piper(List<PiperVoice> voices, Path dir, boolean download) {
        public Piper {
            voices = List.copyOf(voices);
        }

        public static Piper defaults(Path dir, boolean download) {
            return new Piper(List.of(PIPER_EN, PIPER_ZH), dir, download);
        }
    }

    /** Speech-to-text engines. */
    public enum Stt {
        /** whisper.cpp with a model downloaded on first use; Sphinx4 stands in until it is there. */
        AUTO,
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

    /**
     * Text-to-speech engines; {@code AUTO} is Piper's neural voices downloaded on first use, espeak-ng (else FreeTTS)
     * meanwhile and for what they cannot speak.
     */
    public enum Tts {
        AUTO,
        PIPER,
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
