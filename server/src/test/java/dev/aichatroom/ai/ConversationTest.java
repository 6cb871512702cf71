package dev.aichatroom.ai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aichatroom.chat.ChatMessage;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConversationTest {
    private final Mentions mentions = new Mentions("智能助手");

    private static ChatMessage user(String id, String name, String text) {
        return new ChatMessage(
                ChatMessage.USER_MESSAGE,
                name,
                text,
                "2025-07-26T11:05:13.675321+08:00",
                id,
                "main",
                "c-" + name,
                "mqtt",
                Optional.empty());
    }

    private static ChatMessage ai(String id, String text) {
        return new ChatMessage(
                ChatMessage.AI_RESPONSE,
                "智能助手",
                text,
                "2025-07-26T11:05:14.675321+08:00",
                id,
                "main",
                Assistant.CLIENT_ID,
                Assistant.SOURCE,
                Optional.of("q"));
    }

    @Test
    void users_speak_with_their_names_the_assistant_as_itself_and_the_question_comes_last() {
        ChatMessage question = user("3", "张三", "@AI 那明天呢？");
        var messages = Conversation.of(
                "prompt", List.of(user("1", "张三", "@AI 今天天气？"), ai("2", "晴天")), question, "那明天呢？", mentions);

        assertThat(messages)
                .containsExactly(
                        SystemMessage.from("prompt"),
                        UserMessage.from("张三: 今天天气？"),
                        AiMessage.from("晴天"),
                        UserMessage.from("张三: 那明天呢？"));
    }

    @Test
    void the_oldest_messages_go_first_when_the_context_is_too_long() {
        String longText = "x".repeat(Conversation.MAX_CONTEXT_CHARS / 2);
        ChatMessage question = user("9", "李四", "@AI 总结一下");
        var messages = Conversation.of(
                "prompt",
                List.of(user("1", "a", longText), user("2", "b", longText), user("3", "c", "short")),
                question,
                "总结一下",
                mentions);

        assertThat(messages)
                .containsExactly(
                        SystemMessage.from("prompt"),
                        UserMessage.from("b: " + longText),
                        UserMessage.from("c: short"),
                        UserMessage.from("李四: 总结一下"));
    }

    @Test
    void the_context_starts_with_a_user_turn() {
        ChatMessage question = user("3", "王五", "@AI 你好");
        var messages = Conversation.of("prompt", List.of(ai("1", "earlier reply")), question, "你好", mentions);

        assertThat(messages).containsExactly(SystemMessage.from("prompt"), UserMessage.from("王五: 你好"));
    }

    @Test
    void a_bare_mention_is_passed_as_it_was_written() {
        ChatMessage question = user("3", "王五", "@AI");
        var messages = Conversation.of("prompt", List.of(), question, "", mentions);

        assertThat(messages.getLast()).isEqualTo(UserMessage.from("王五: @AI"));
    }
}
