package dev.aichatroom.ai;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.functions.Generator;
import com.github.tjake.jlama.safetensors.prompt.Function;
import com.github.tjake.jlama.safetensors.prompt.PromptContext;
import com.github.tjake.jlama.safetensors.prompt.PromptSupport;
import com.github.tjake.jlama.safetensors.prompt.Tool;
import com.github.tjake.jlama.safetensors.prompt.ToolCall;
import com.github.tjake.jlama.safetensors.prompt.ToolResult;
import com.github.tjake.jlama.util.JsonSupport;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * LangChain4j's streaming chat interface over a loaded jlama model. Unlike {@code langchain4j-jlama}'s model, each call
 * gets a fresh session (its own KV cache), so calls do not run on into each other's context, and generation is
 * bounded by the request's {@code maxOutputTokens}. Generates on the caller's thread; runs in the model's own process
 * ({@link ModelWorker}).
 */
final class JlamaChat implements StreamingChatModel {
    private static final float DEFAULT_TEMPERATURE = 0.3f;
    private static final int DEFAULT_MAX_TOKENS = 512;

    private final AbstractModel model;

    JlamaChat(AbstractModel model) {
        this.model = model;
    }

    @Override
    public void chat(ChatRequest request, StreamingChatResponseHandler handler) {
        List<ModelWorker.ToolSpec> tools = request.toolSpecifications() == null
                ? List.of()
                : request.toolSpecifications().stream()
                        .map(ModelWorker.ToolSpec::of)
                        .toList();
        generate(request.messages(), tools, request.maxOutputTokens(), request.temperature(), handler);
    }

    /** Generates on this thread; a null {@code maxTokens} or {@code temperature} means the default. */
    void generate(
            List<ChatMessage> messages,
            List<ModelWorker.ToolSpec> toolSpecs,
            Integer maxOutputTokens,
            Double requestTemperature,
            StreamingChatResponseHandler handler) {
        try {
            PromptSupport.Builder prompt = model.promptSupport()
                    .orElseThrow(() -> new AiException(
                            AiException.Kind.UNAVAILABLE,
                            "the local model has no chat template (tokenizer_config.json)"))
                    .builder();
            messages.forEach(m -> add(prompt, m));
            List<Tool> tools = toolSpecs.stream().map(JlamaChat::tool).toList();
            PromptContext context = tools.isEmpty() ? prompt.build() : prompt.build(tools);
            int promptTokens = model.getTokenizer().encode(context.getPrompt()).length;
            int maxTokens = maxOutputTokens == null ? DEFAULT_MAX_TOKENS : maxOutputTokens;
            int ntokens = Math.min(model.getConfig().contextLength, promptTokens + 1 + maxTokens);
            float temperature = requestTemperature == null ? DEFAULT_TEMPERATURE : requestTemperature.floatValue();
            Generator.Response r = model.generate(
                    UUID.randomUUID(),
                    context,
                    temperature,
                    ntokens,
                    (token, time) -> handler.onPartialResponse(token));
            handler.onCompleteResponse(response(r));
        } catch (RuntimeException e) {
            handler.onError(e);
        }
    }

    private static void add(PromptSupport.Builder prompt, ChatMessage message) {
        switch (message) {
            case SystemMessage s -> prompt.addSystemMessage(s.text());
            case UserMessage u -> prompt.addUserMessage(u.singleText());
            case AiMessage a -> {
                if (a.text() != null) {
                    prompt.addAssistantMessage(a.text());
                }
                if (a.hasToolExecutionRequests()) {
                    for (ToolExecutionRequest call : a.toolExecutionRequests()) {
                        prompt.addToolCall(new ToolCall(call.name(), call.id(), arguments(call.arguments())));
                    }
                }
            }
            case ToolExecutionResultMessage t -> prompt.addToolResult(ToolResult.from(t.toolName(), t.id(), t.text()));
            default -> throw new IllegalArgumentException("unsupported message type " + message.type());
        }
    }

    /** A tool as jlama's tool (its prompt template renders it). */
    static Tool tool(ModelWorker.ToolSpec spec) {
        Function.Builder function = Function.builder().name(spec.name());
        if (!spec.description().isEmpty()) {
            function.description(spec.description());
        }
        spec.parameters()
                .forEach((name, schema) ->
                        function.addParameter(name, schema, spec.required().contains(name)));
        return Tool.from(function.build());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> arguments(String json) {
        try {
            return JsonSupport.om.readValue(json, LinkedHashMap.class);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("tool call arguments are not a JSON object: " + json, e);
        }
    }

    private static ChatResponse response(Generator.Response r) {
        TokenUsage usage = new TokenUsage(r.promptTokens, r.generatedTokens);
        if (r.finishReason == Generator.FinishReason.TOOL_CALL) {
            List<ToolExecutionRequest> calls = r.toolCalls.stream()
                    .map(c -> ToolExecutionRequest.builder()
                            .name(c.getName())
                            .id(c.getId())
                            .arguments(JsonSupport.toJson(c.getParameters()))
                            .build())
                    .toList();
            return ChatResponse.builder()
                    .aiMessage(AiMessage.from(calls))
                    .tokenUsage(usage)
                    .finishReason(FinishReason.TOOL_EXECUTION)
                    .build();
        }
        return ChatResponse.builder()
                .aiMessage(AiMessage.from(r.responseText))
                .tokenUsage(usage)
                .finishReason(
                        r.finishReason == Generator.FinishReason.MAX_TOKENS ? FinishReason.LENGTH : FinishReason.STOP)
                .build();
    }
}
