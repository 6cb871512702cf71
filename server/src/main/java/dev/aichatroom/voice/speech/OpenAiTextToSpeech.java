package dev.aichatroom.voice.speech;

/** Any OpenAI-compatible speech API ({@code POST /v1/audio/speech}, asked for WAV). */
final class OpenAiTextToSpeech implements TextToSpeech {
    private final OpenAiAudio api;
    private final String model;
    private final String voice;

    OpenAiTextToSpeech(OpenAiAudio api, String model, String voice) {
        this.api = api;
        this.model = model;
        this.voice = voice;
    }

    @Override
    public Pcm synthesize(String text) {
        return Pcm.fromWav(api.speech(model, voice, text, "wav"));
    }

    @Override
    public String describe() {
        return "openai-compatible speech " + model + " voice " + voice + " at " + api.baseUrl();
    }
}
