package dev.aichatroom.store;

import java.util.List;
import java.util.Optional;

/** Message history. Implementations are safe for concurrent use. */
public interface MessageStore extends AutoCloseable {
    /**
     * Stores a message once.
     *
     * @return false when a message with the same dedupe key is already stored (nothing is written)
     */
    boolean append(StoredMessage message);

    /** Up to {@code limit} messages of a room, oldest first, all older than {@code before} when given. */
    List<StoredMessage> history(String room, Optional<String> beforeMessageId, int limit);

    /** Every room that has history. */
    List<String> rooms();

    /** Room members kept in the same database, for instances that share rooms (CHAT_SHARED_GROUP). */
    MemberStore members();

    /** Which browser owns which MQTT client id, kept in the same database. */
    ClaimStore claims();

    /** The MCP servers the instances saw announce themselves, kept in the same database. */
    McpServerStore mcpServers();

    /** Whether the store answers right now. */
    boolean isHealthy();

    @Override
    void close();
}
