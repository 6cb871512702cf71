package dev.aichatroom.ai;

import dev.langchain4j.model.openai.OpenAiStreamingChatModel;

/** Builds the backend the configuration asks for. */
final class Backends {
    private Backends() {}

    static Backend create(AiConfig config, Texts texts) {
        return switch (config.provider()) {
            case NONE -> throw new IllegalArgumentException("AI_PROVIDER=none has no backend");
            case LOCAL -> new LocalBackend(config, texts);
            default -> remote(config);
        };
    }

    private static Backend remote(AiConfig config) {
        String url = config.baseUrl()
                .or(() -> config.provider().presetUrl())
                .orElseThrow(() -> new IllegalArgumentException("no base URL"));
        OpenAiStreamingChatModel model = OpenAiStreamingChatModel.builder()
                .httpClientBuilder(ProviderHttpClient.builder())
                .baseUrl(url)
                .apiKey(config.apiKey().orElse(null))
                .modelName(config.model())
                .timeout(config.limits().timeout())
                .build();
        return Backend.of(model, config.provider().id() + " " + config.model() + " at " + url);
    }
}
