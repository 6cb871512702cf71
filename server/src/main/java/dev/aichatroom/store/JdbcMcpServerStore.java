package dev.aichatroom.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** Announced MCP servers in the {@code mcp_servers} table (SQLite or PostgreSQL). */
final class JdbcMcpServerStore implements McpServerStore {
    private final DataSource dataSource;

    JdbcMcpServerStore(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public void announced(Seen server) {
        Jdbc.connected(dataSource, "record MCP server " + server.serverId(), c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO mcp_servers (server_id, server_name, description, meta, seen_at) VALUES (?,?,?,?,?)"
                            + " ON CONFLICT (server_id, server_name) DO UPDATE SET description = excluded.description,"
                            + " meta = excluded.meta, seen_at = excluded.seen_at")) {
                ps.setString(1, server.serverId());
                ps.setString(2, server.serverName());
                ps.setString(3, server.description());
                ps.setString(4, server.metaJson());
                ps.setLong(5, server.seenAtMillis());
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public void withdrawn(String serverId, String serverName) {
        Jdbc.connected(dataSource, "forget MCP server " + serverId, c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("DELETE FROM mcp_servers WHERE server_id = ? AND server_name = ?")) {
                ps.setString(1, serverId);
                ps.setString(2, serverName);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public List<Seen> all() {
        return Jdbc.connected(dataSource, "list MCP servers", c -> {
            List<Seen> servers = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                            "SELECT server_id, server_name, description, meta, seen_at FROM mcp_servers"
                                    + " ORDER BY server_name, server_id");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    servers.add(new Seen(
                            rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5)));
                }
            }
            return servers;
        });
    }
}
