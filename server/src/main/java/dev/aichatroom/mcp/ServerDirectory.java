package dev.aichatroom.mcp;

import dev.aichatroom.mcp.mqtt.DiscoveredServer;
import java.util.List;

/**
 * The MCP servers that any instance of a scale-out saw announce themselves, shared by all (the database): a broker
 * cluster keeps retained presence messages per node, so an instance on one node does not get the presence of a server
 * connected to another (decision 0010). Implementations may throw unchecked exceptions; callers log them.
 */
public interface ServerDirectory {
    /** One instance alone: nothing to share. */
    ServerDirectory NONE = new ServerDirectory() {
        @Override
        public void announced(DiscoveredServer server) {}

        @Override
        public void withdrawn(String serverId, String serverName) {}

        @Override
        public List<DiscoveredServer> all() {
            return List.of();
        }
    };

    /** Records a server this instance saw announce itself. */
    void announced(DiscoveredServer server);

    /** Forgets a server that withdrew its presence, or that does not answer. */
    void withdrawn(String serverId, String serverName);

    /** Every server some instance saw and none saw withdraw. */
    List<DiscoveredServer> all();
}
