package dev.aichatroom.voice.speech;

import java.util.Optional;

/** Any OpenAI-compatible transcription API ({@code POST /v1/audio/transcriptions}, a WAV file, JSON back). */
final class OpenAiSpeechToText implements SpeechToText {
    private final OpenAiAudio api;
    private final String model;
    private final String language;

    OpenAiSpeechToText(OpenAiAudio api, String model, String language) {
        this.api = api;
        this.model = model;
        this.language = language;
    }

    @Override
    public int sampleRate() {
        return 16_000;
    }

    @Override
    public String transcribe(Pcm audio) {
        var json = api.transcribe(audio.resample(sampleRate()).wav(), model, Optional.of(language));
        if (!json.path("text").isTextual()) {
            throw new SpeechException("the transcription API's answer has no text");
        }
        return json.path("text").asText().strip();
    }

    @Override
    public String describe() {
        return "openai-compatible transcription " + model + " at " + api.baseUrl();
    }
}
