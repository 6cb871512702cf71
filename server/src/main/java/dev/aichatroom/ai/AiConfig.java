package dev.aichatroom.ai;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The assistant's configuration (see {@code docs/assistant.md} and {@code .env.example}).
 *
 * @param provider where replies come from
 * @param baseUrl the OpenAI-compatible endpoint ({@code …/v1}); empty for {@link Provider#LOCAL} and {@link
 *     Provider#NONE}
 * @param apiKey the provider's API key; never logged, never shown ({@link #toString()} masks it)
 * @param model the remote model name, or for {@link Provider#LOCAL} the model as {@code owner/name}
 * @param modelDir where the local model is downloaded to and loaded from ({@code <modelDir>/<owner>_<name>/})
 * @param persona how the assistant is named and introduced to the model
 * @param limits what one reply may cost
 */
public record AiConfig(
        Provider provider,
        Optional<String> baseUrl,
        Optional<String> apiKey,
        String model,
        Path modelDir,
        Persona persona,
        Limits limits) {

    /** Providers with their presets: base URL and a default model. */
    public enum Provider {
        NONE("", ""),
        LOCAL("", "tjake/Qwen2.5-0.5B-Instruct-JQ4"),
        OPENAI("https://api.openai.com/v1", "gpt-4o-mini"),
        MOONSHOT("https://api.moonshot.cn/v1", "moonshot-v1-8k"),
        QWEN("https://dashscope.aliyuncs.com/compatible-mode/v1", "qwen-plus"),
        DEEPSEEK("https://api.deepseek.com/v1", "deepseek-chat"),
        OLLAMA("http://localhost:11434/v1", "qwen2.5:0.5b"),
        OPENAI_COMPATIBLE("", "");

        private final String presetUrl;
        private final String presetModel;

        Provider(String presetUrl, String presetModel) {
            this.presetUrl = presetUrl;
            this.presetModel = presetModel;
        }

        /** The preset base URL; empty when the user must give one. */
        public Optional<String> presetUrl() {
            return presetUrl.isEmpty() ? Optional.empty() : Optional.of(presetUrl);
        }

        /** The preset model; empty when the user must give one. */
        public Optional<String> presetModel() {
            return presetModel.isEmpty() ? Optional.empty() : Optional.of(presetModel);
        }

        /** Whether this provider is a remote OpenAI-compatible API. */
        public boolean isRemote() {
            return this != NONE && this != LOCAL;
        }

        /** Whether the preset's service refuses requests without an API key. */
        public boolean needsKey() {
            return this == OPENAI || this == MOONSHOT || this == QWEN || this == DEEPSEEK;
        }

        /** The name used in {@code AI_PROVIDER}, e.g. {@code openai-compatible}. */
        public String id() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        public static Optional<Provider> parse(String id) {
            for (Provider p : values()) {
                if (p.id().equalsIgnoreCase(id.strip())) {
                    return Optional.of(p);
                }
            }
            return Optional.empty();
        }
    }

    /**
     * @param name the display name in the room, and what {@code @name} answers to
     * @param systemPrompt the system prompt; {@code {name}} and {@code {room}} are replaced
     * @param contextMessages how many earlier messages of the room the model sees
     * @param alwaysRooms rooms where the assistant answers every message, not only mentions
     */
    public record Persona(String name, String systemPrompt, int contextMessages, Set<String> alwaysRooms) {
        public Persona {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(systemPrompt, "systemPrompt");
            alwaysRooms = Set.copyOf(alwaysRooms);
        }
    }

    /**
     * @param maxConcurrent model calls running at once (the local model always runs one at a time)
     * @param queueSize questions waiting for a model call; beyond it the asker is told the assistant is busy
     * @param timeout the longest one model call may take, first byte to last
     * @param firstTokenTimeout the longest a question waits for the first output of its reply, counted from its
     *     admission: the wait for a model permit and any retries are part of it
     * @param maxRetries retries of a call that failed before any output (429, 5xx, connection errors)
     * @param maxReplyChars the longest reply; longer output is cut there
     * @param maxTokens the most tokens the model may generate per call
     * @param maxToolRounds tool call → result → model rounds before the model must answer
     * @param idleTimeout the longest a stream that has begun may send nothing
     * @param breakerFailures replies in a row that failed at the provider before it is not called for {@code
     *     breakerOpen}; 0 turns the circuit breaker off
     * @param breakerOpen how long the provider is not called once the breaker opened; then one question probes it
     */
    public record Limits(
            int maxConcurrent,
            int queueSize,
            Duration timeout,
            Duration firstTokenTimeout,
            int maxRetries,
            int maxReplyChars,
            int maxTokens,
            int maxToolRounds,
            Duration idleTimeout,
            int breakerFailures,
            Duration breakerOpen) {
        public Limits {
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(firstTokenTimeout, "firstTokenTimeout");
            Objects.requireNonNull(idleTimeout, "idleTimeout");
            Objects.requireNonNull(breakerOpen, "breakerOpen");
        }

        /** With the default idle timeout (30 s) and no circuit breaker. */
        public Limits(
                int maxConcurrent,
                int queueSize,
                Duration timeout,
                Duration firstTokenTimeout,
                int maxRetries,
                int maxReplyChars,
                int maxTokens,
                int maxToolRounds) {
            this(
                    maxConcurrent,
                    queueSize,
                    timeout,
                    firstTokenTimeout,
                    maxRetries,
                    maxReplyChars,
                    maxTokens,
                    maxToolRounds,
                    Duration.ofSeconds(30),
                    0,
                    Duration.ofSeconds(60));
        }
    }

    public AiConfig {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(baseUrl, "baseUrl");
        Objects.requireNonNull(apiKey, "apiKey");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(modelDir, "modelDir");
        Objects.requireNonNull(persona, "persona");
        Objects.requireNonNull(limits, "limits");
    }

    /** The default system prompt, for a room with many people in it. */
    public static String defaultSystemPrompt(String language) {
        return language.startsWith("en")
                ? "You are {name}, the assistant of a multi-user chat room (room: {room}). Each user message is"
                        + " shown as \"username: text\". Answer the latest message that addresses you, briefly and"
                        + " kindly, in the language it was written in; use the earlier messages as context. Say so"
                        + " when you do not know; do not invent what people said. Do not start with your own name."
                : "你是多人聊天室（房间：{room}）里的智能助手「{name}」。每条用户消息的格式是“用户名: 内容”。"
                        + "请回答最新一条向你提问的消息，简洁友好，使用提问者的语言；需要时参考之前的聊天记录。"
                        + "不知道就直说，不要编造别人说过的话，回复开头不要带上你自己的名字。";
    }

    @Override
    public String toString() {
        return "AiConfig[provider=" + provider.id() + ", baseUrl=" + baseUrl.orElse("") + ", apiKey="
                + (apiKey.isPresent() ? "***" : "none") + ", model=" + model + ", modelDir=" + modelDir + ", persona="
                + persona + ", limits=" + limits + "]";
    }
}
