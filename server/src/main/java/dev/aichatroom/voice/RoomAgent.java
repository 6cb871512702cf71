package dev.aichatroom.voice;

import dev.aichatroom.ai.Assistant;
import dev.aichatroom.chat.ChatMessage;
import dev.aichatroom.chat.ChatService;
import dev.aichatroom.chat.Member;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The room's assistant as the voice companion's agent: the words the device said (or typed) are posted in the voice
 * room with {@code source:"voice"}, the assistant answers them with the room as context, the reply streams on the
 * room's {@code messages/stream} while it is spoken and is posted complete as an {@code ai_response}, also marked
 * {@code source:"voice"}.
 */
final class RoomAgent implements Agent {
    private static final Logger LOG = LoggerFactory.getLogger(RoomAgent.class);
    static final String SOURCE = Assistant.ANSWERED_BY_CALLER;

    private final ChatService chat;
    private final Assistant assistant;
    private final String room;

    private final java.util.function.Function<String, dev.aichatroom.ai.ToolProvider> deviceTools;

    /** @param deviceTools the tools the assistant may use for one device (seed 2: its own page's MCP server) */
    RoomAgent(
            ChatService chat,
            Assistant assistant,
            String room,
            java.util.function.Function<String, dev.aichatroom.ai.ToolProvider> deviceTools) {
        this.deviceTools = deviceTools;
        this.chat = chat;
        this.assistant = assistant;
        this.room = room;
    }

    @Override
    public String reply(String deviceId, String text, Consumer<String> deltas) {
        ChatMessage question;
        try {
            question = chat.post(
                            room,
                            deviceId,
                            username(deviceId),
                            text,
                            ChatMessage.USER_MESSAGE,
                            SOURCE,
                            Optional.empty())
                    .get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("Voice turn of {} could not be posted in room {}: {}", deviceId, room, e.toString());
            return "";
        }
        String replyId = dev.aichatroom.chat.Clocks.uuid7();
        AtomicInteger seq = new AtomicInteger();
        Assistant.Answer answer = assistant.answer(question, text, deviceTools.apply(deviceId), delta -> {
            deltas.accept(delta);
            chat.publishDelta(room, replyId, seq.getAndIncrement(), delta);
        });
        boolean cut = Thread.currentThread().isInterrupted();
        String reply = answer.text();
        if (reply.isBlank() && answer.failure().isPresent() && !cut) {
            LOG.info("No voice reply for {}: {}", deviceId, answer.failure().get());
            reply = apology();
            deltas.accept(reply);
        }
        if (!reply.isBlank()) {
            chat.post(
                    room,
                    Assistant.CLIENT_ID,
                    assistant.name(),
                    cut ? reply + "…" : reply,
                    ChatMessage.AI_RESPONSE,
                    SOURCE,
                    Optional.of(question.messageId()),
                    replyId);
        }
        return reply;
    }

    private String apology() {
        return "zh".equals(chat.config().language()) ? "抱歉，我现在无法回答。" : "Sorry, I cannot answer right now.";
    }

    private String username(String deviceId) {
        return chat.membersOf(room).stream()
                .filter(m -> m.clientId().equals(deviceId))
                .map(Member::username)
                .findFirst()
                .orElse(deviceId.length() > 32 ? deviceId.substring(0, 32) : deviceId);
    }
}
