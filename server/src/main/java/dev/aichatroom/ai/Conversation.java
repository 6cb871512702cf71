package dev.aichatroom.ai;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * What the model sees: the system prompt, the room's recent messages (users as {@code "name: text"}, the assistant's
 * own replies as its turns) and the question last, with its mention removed. The oldest messages are dropped first
 * when the whole would exceed {@link #MAX_CONTEXT_CHARS}.
 */
final class Conversation {
    /** Keeps a prompt inside small models' context windows (≈ 4–8k tokens of Chinese or English). */
    static final int MAX_CONTEXT_CHARS = 12_000;

    private Conversation() {}

    static List<ChatMessage> of(
            String systemPrompt,
            List<dev.aichatroom.chat.ChatMessage> history,
            dev.aichatroom.chat.ChatMessage question,
            String questionText,
            Mentions mentions) {
        ChatMessage last = UserMessage.from(
                question.username() + ": " + (questionText.isBlank() ? question.content() : questionText));
        int budget =
                MAX_CONTEXT_CHARS - systemPrompt.length() - question.content().length();
        Deque<ChatMessage> context = new ArrayDeque<>();
        for (int i = history.size() - 1; i >= 0; i--) {
            dev.aichatroom.chat.ChatMessage m = history.get(i);
            if (m.messageId().equals(question.messageId())) {
                continue;
            }
            ChatMessage turn = m.type().equals(dev.aichatroom.chat.ChatMessage.AI_RESPONSE)
                    ? AiMessage.from(m.content())
                    : UserMessage.from(
                            m.username() + ": " + mentions.strip(m.content()).orElse(m.content()));
            budget -= m.content().length() + m.username().length() + 2;
            if (budget < 0) {
                break;
            }
            context.addFirst(turn);
        }
        while (!context.isEmpty() && context.peekFirst() instanceof AiMessage) {
            context.removeFirst(); // some providers want the first turn after the system prompt to be a user's
        }
        List<ChatMessage> messages = new ArrayList<>(context.size() + 2);
        messages.add(SystemMessage.from(systemPrompt));
        messages.addAll(context);
        messages.add(last);
        return messages;
    }
}
