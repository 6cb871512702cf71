package dev.aichatroom.chat;

/**
 * A participant that follows every message of every room, e.g. the assistant. Called on the chat worker thread after
 * the message is published: hand work off, never block.
 */
@FunctionalInterface
public interface RoomListener {
    void onMessage(ChatMessage message);
}
