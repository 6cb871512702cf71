package dev.aichatroom.store;

import java.util.List;

/**
 * The MCP servers some instance saw announce themselves, shared by every instance on the same database: a broker
 * cluster keeps retained presence messages per node, so an instance on another node learns of them here. Safe for
 * concurrent use; every method may throw {@link StoreException}.
 */
public interface McpServerStore {
    /**
     * One announced server instance.
     *
     * @param metaJson the announced {@code meta} object as JSON text
     * @param seenAtMillis when an instance last saw the announcement (epoch milliseconds)
     */
    record Seen(String serverId, String serverName, String description, String metaJson, long seenAtMillis) {}

    /** Records an announcement (a newer one of the same server instance replaces it). */
    void announced(Seen server);

    /** Forgets a server instance that withdrew its presence or no longer answers; nothing happens if unknown. */
    void withdrawn(String serverId, String serverName);

    /** Every recorded server instance. */
    List<Seen> all();
}
