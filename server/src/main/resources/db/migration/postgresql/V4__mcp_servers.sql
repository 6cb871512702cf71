-- MCP servers some instance saw announce themselves (mcp/McpTools), so that an instance connected to another node of
-- a broker cluster, where each node keeps its own retained presence messages, finds them too (decision 0010). A row
-- goes when any instance sees the server withdraw its presence, or when its server does not answer initialize.
-- meta is the announced meta object as JSON; seen_at is when an instance last saw the announcement (epoch ms).
CREATE TABLE mcp_servers (
    server_id   TEXT   NOT NULL,
    server_name TEXT   NOT NULL,
    description TEXT   NOT NULL,
    meta        TEXT   NOT NULL,
    seen_at     BIGINT NOT NULL,
    PRIMARY KEY (server_id, server_name)
);
