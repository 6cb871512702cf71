package dev.aichatroom.voice.speech;

/** Builds the engines a {@link SpeechConfig} names. Constructing is cheap: models load on first use. */
public final class SpeechEngines {
    private SpeechEngines() {}

    /** @throws SpeechException when the configuration cannot work, with what to change */
    public static SpeechToText speechToText(SpeechConfig config) {
        return switch (config.stt()) {
            case AUTO -> auto(config);
            case SPHINX -> new SphinxSpeechToText(config.grammar(), config.phrases());
            case VOSK -> new VoskSpeechToText(required(config, "a Vosk model directory"), config.phrases());
            case WHISPER ->
                new WhisperSpeechToText(
                        required(config, "a whisper.cpp ggml model file"),
                        config.whisper().language().orElse(config.language()));
            case OPENAI ->
                new OpenAiSpeechToText(
                        OpenAiAudio.of(config), config.sttModel().orElse("whisper-1"), config.language());
        };
    }

    public static TextToSpeech textToSpeech(SpeechConfig config) {
        return switch (config.tts()) {
            case AUTO -> autoTts(config);
            case PIPER -> {
                java.nio.file.Path model = java.nio.file.Path.of(config.ttsModel()
                        .orElseThrow(
                                () -> new SpeechException("VOICE_TTS=piper needs a Piper voice (.onnx, its .onnx.json"
                                        + " beside it) in VOICE_TTS_MODEL")));
                if (!java.nio.file.Files.isRegularFile(model)) {
                    throw new SpeechException(
                            "VOICE_TTS_MODEL=" + model + " does not exist; point it at a Piper voice");
                }
                yield new PiperTextToSpeech(model);
            }
            case ESPEAK -> {
                if (!EspeakTextToSpeech.installed()) {
                    throw new SpeechException(
                            "VOICE_TTS=espeak but espeak-ng is not installed: apt-get install espeak-ng, or use"
                                    + " VOICE_TTS=freetts");
                }
                yield new EspeakTextToSpeech(config.ttsVoice());
            }
            case FREETTS -> new FreeTextToSpeech();
            case OPENAI ->
                new OpenAiTextToSpeech(
                        OpenAiAudio.of(config),
                        config.ttsModel().orElse("tts-1"),
                        config.ttsVoice().orElse("alloy"));
        };
    }

    /** espeak-ng when installed, else FreeTTS. */
    private static TextToSpeech plainTts(SpeechConfig config) {
        return EspeakTextToSpeech.installed() ? new EspeakTextToSpeech(config.ttsVoice()) : new FreeTextToSpeech();
    }

    /**
     * Piper's voices downloaded on first use into {@code DATA_DIR/models}, the one for {@code CHAT_LANGUAGE} first;
     * espeak-ng (else FreeTTS) meanwhile and for what they cannot speak. Piper needs espeak-ng for its phonemes.
     */
    private static TextToSpeech autoTts(SpeechConfig config) {
        TextToSpeech plain = plainTts(config);
        if (!EspeakTextToSpeech.installed()) {
            return plain;
        }
        SpeechConfig.Piper p = config.piper();
        String first = config.language().toLowerCase(java.util.Locale.ROOT).startsWith("zh") ? "zh" : "en";
        java.util.List<AutoTextToSpeech.Download> downloads = p.voices().stream()
                .sorted(java.util.Comparator.comparing(v -> !v.language().equals(first)))
                .map(v -> {
                    java.nio.file.Path model = p.dir().resolve(v.fileName());
                    return new AutoTextToSpeech.Download(
                            v.language(),
                            new ModelDownload(v.model(), v.modelChecksum(), model),
                            new ModelDownload(
                                    v.config(), v.configChecksum(), model.resolveSibling(v.fileName() + ".json")));
                })
                .toList();
        return new AutoTextToSpeech(
                downloads,
                p.download(),
                plain,
                PiperTextToSpeech::new,
                EspeakPhonemes::speaksChinese,
                AutoSpeechToText.RETRIES);
    }

    /**
     * whisper.cpp with the model downloaded on first use into {@code DATA_DIR/models}, Sphinx4 standing in meanwhile;
     * whisper detects the language unless {@code VOICE_LANGUAGE} names one.
     */
    private static SpeechToText auto(SpeechConfig config) {
        SpeechConfig.Whisper w = config.whisper();
        ModelDownload download = new ModelDownload(w.url(), w.sha256(), w.dir().resolve(w.fileName()));
        return new AutoSpeechToText(
                download,
                w.download(),
                new SphinxSpeechToText(config.grammar(), config.phrases()),
                file -> new WhisperSpeechToText(file, w.language().orElse("auto")),
                AutoSpeechToText.RETRIES);
    }

    /** What the voice page should say about speech recognition now: set while a stand-in engine answers. */
    public static java.util.Optional<String> standIn(SpeechToText engine) {
        return engine instanceof AutoSpeechToText auto ? auto.standIn() : java.util.Optional.empty();
    }

    private static java.nio.file.Path required(SpeechConfig config, String what) {
        java.nio.file.Path path = java.nio.file.Path.of(config.sttModel()
                .orElseThrow(() ->
                        new SpeechException("VOICE_STT=" + config.stt().name().toLowerCase(java.util.Locale.ROOT)
                                + " needs " + what + " in VOICE_STT_MODEL")));
        if (!java.nio.file.Files.exists(path)) {
            throw new SpeechException("VOICE_STT_MODEL=" + path + " does not exist; point it at " + what);
        }
        return path;
    }
}
