package dev.aichatroom.ai;

import dev.langchain4j.model.chat.StreamingChatModel;
import java.util.Optional;
import java.util.function.Consumer;

/** Where the model comes from: a remote OpenAI-compatible API or the in-process local model. */
interface Backend extends AutoCloseable {
    /**
     * The model, ready to call. May block: the local model is downloaded and loaded on first use.
     *
     * @param announce posts a notice in the asking room (e.g. that a download started)
     * @throws AiException of kind {@code UNAVAILABLE} when the model cannot run here, with a message that says how to
     *     fix it
     */
    StreamingChatModel model(Consumer<String> announce);

    /** Provider, model and endpoint, for logs and {@code /health}; never the key. */
    String describe();

    /** Why the model cannot work, when that is known without calling it. */
    Optional<String> problem();

    /** Whether calls must run one at a time (an in-process model uses every core for one call). */
    boolean sequential();

    @Override
    void close();

    /** A ready model, e.g. a test's. */
    static Backend of(StreamingChatModel model, String description) {
        return new Backend() {
            @Override
            public StreamingChatModel model(Consumer<String> announce) {
                return model;
            }

            @Override
            public String describe() {
                return description;
            }

            @Override
            public Optional<String> problem() {
                return Optional.empty();
            }

            @Override
            public boolean sequential() {
                return false;
            }

            @Override
            public void close() {}
        };
    }
}
