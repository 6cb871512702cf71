package dev.aichatroom.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** History in SQLite (the embedded default) or PostgreSQL, schema managed by Flyway migrations. */
public final class JdbcMessageStore implements MessageStore {
    private static final Logger LOG = LoggerFactory.getLogger(JdbcMessageStore.class);
    private static final String COLUMNS =
            "message_id, room, type, client_id, username, content, source, reply_to, created_at, dedupe_key";

    private final HikariDataSource dataSource;
    private final boolean sqlite;
    private final MemberStore members;
    private final ClaimStore claims;
    private final McpServerStore mcpServers;
    private final ReentrantLock writeLock = new ReentrantLock();
    private Connection writer;
    private PreparedStatement insert;

    private JdbcMessageStore(HikariDataSource dataSource, boolean sqlite) {
        this.dataSource = dataSource;
        this.sqlite = sqlite;
        this.members = new JdbcMemberStore(dataSource);
        this.claims = new JdbcClaimStore(dataSource);
        this.mcpServers = new JdbcMcpServerStore(dataSource);
    }

    /** Opens the database and migrates its schema to the newest version. */
    public static JdbcMessageStore open(StoreConfig config) {
        HikariConfig hikari = new HikariConfig();
        hikari.setJdbcUrl(config.jdbcUrl());
        config.username().ifPresent(hikari::setUsername);
        config.password().ifPresent(hikari::setPassword);
        hikari.setPoolName("store");
        hikari.setMaximumPoolSize(config.isSqlite() ? Math.min(config.poolSize(), 4) : config.poolSize());
        hikari.setConnectionTimeout(5_000);
        if (config.isSqlite()) {
            // WAL: readers never wait for the writer; busy_timeout: a second writer waits instead of failing
            hikari.addDataSourceProperty("journal_mode", "WAL");
            hikari.addDataSourceProperty("synchronous", "NORMAL");
            hikari.addDataSourceProperty("busy_timeout", "5000");
            // history never reads generated keys: skip the extra SELECT last_insert_rowid() per insert
            hikari.addDataSourceProperty("jdbc.get_generated_keys", "false");
        }
        HikariDataSource dataSource;
        try {
            dataSource = new HikariDataSource(hikari);
        } catch (RuntimeException e) {
            throw new StoreException(
                    "cannot open the message store at " + redact(config.jdbcUrl()) + ": " + e.getMessage()
                            + " (check DATABASE_URL / DATA_DIR)",
                    e,
                    false);
        }
        try {
            var result = Flyway.configure()
                    .dataSource(dataSource)
                    .locations(
                            config.isSqlite() ? "classpath:db/migration/sqlite" : "classpath:db/migration/postgresql")
                    .load()
                    .migrate();
            LOG.info(
                    "Message store {} ready (schema version {}, {} migration(s) applied)",
                    redact(config.jdbcUrl()),
                    result.targetSchemaVersion == null ? "current" : result.targetSchemaVersion,
                    result.migrationsExecuted);
        } catch (RuntimeException e) {
            dataSource.close();
            throw new StoreException("cannot migrate the message store: " + e.getMessage(), e, false);
        }
        return new JdbcMessageStore(dataSource, config.isSqlite());
    }

    static String redact(String jdbcUrl) {
        return jdbcUrl.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    @Override
    public boolean append(StoredMessage m) {
        writeLock.lock();
        try {
            PreparedStatement ps = insertStatement();
            ps.setString(1, m.messageId());
            ps.setString(2, m.room());
            ps.setString(3, m.type());
            ps.setString(4, m.clientId());
            ps.setString(5, m.username());
            ps.setString(6, m.content());
            ps.setString(7, m.source());
            ps.setString(8, m.replyTo().orElse(null));
            ps.setString(9, m.timestamp());
            ps.setString(10, m.dedupeKey().orElse(null));
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            closeWriter();
            throw new StoreException("cannot store message " + m.messageId() + ": " + e.getMessage(), e, true);
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Appends go through one connection and one prepared statement, kept open: compiling the INSERT and borrowing a
     * pooled connection per message cost more than the insert itself. Guarded by {@link #writeLock}.
     */
    private PreparedStatement insertStatement() throws SQLException {
        if (insert == null) {
            writer = dataSource.getConnection();
            insert = writer.prepareStatement(
                    "INSERT INTO messages (" + COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING");
        }
        return insert;
    }

    private void closeWriter() {
        try {
            if (writer != null) {
                writer.close();
            }
        } catch (SQLException e) {
            LOG.debug("closing the store's writer connection failed: {}", e.getMessage());
        }
        writer = null;
        insert = null;
    }

    @Override
    public List<StoredMessage> history(String room, Optional<String> beforeMessageId, int limit) {
        String sql = "SELECT " + COLUMNS + " FROM messages WHERE room = ?"
                + (beforeMessageId.isPresent()
                        ? " AND seq < (SELECT seq FROM messages WHERE message_id = ? AND room = ?)"
                        : "")
                + " ORDER BY seq DESC LIMIT ?";
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            ps.setString(i++, room);
            if (beforeMessageId.isPresent()) {
                ps.setString(i++, beforeMessageId.get());
                ps.setString(i++, room);
            }
            ps.setInt(i, limit);
            List<StoredMessage> result = new ArrayList<>(limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.add(new StoredMessage(
                            rs.getString(1),
                            rs.getString(2),
                            rs.getString(3),
                            rs.getString(4),
                            rs.getString(5),
                            rs.getString(6),
                            rs.getString(7),
                            Optional.ofNullable(rs.getString(8)),
                            rs.getString(9),
                            Optional.ofNullable(rs.getString(10))));
                }
            }
            Collections.reverse(result);
            return result;
        } catch (SQLException e) {
            throw new StoreException("cannot read history of room " + room + ": " + e.getMessage(), e, true);
        }
    }

    @Override
    public List<String> rooms() {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT DISTINCT room FROM messages ORDER BY room");
                ResultSet rs = ps.executeQuery()) {
            List<String> rooms = new ArrayList<>();
            while (rs.next()) {
                rooms.add(rs.getString(1));
            }
            return rooms;
        } catch (SQLException e) {
            throw new StoreException("cannot list rooms: " + e.getMessage(), e, true);
        }
    }

    @Override
    public ClaimStore claims() {
        return claims;
    }

    @Override
    public McpServerStore mcpServers() {
        return mcpServers;
    }

    @Override
    public MemberStore members() {
        return members;
    }

    @Override
    public boolean isHealthy() {
        try (Connection c = dataSource.getConnection()) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public void close() {
        writeLock.lock();
        try {
            closeWriter();
        } finally {
            writeLock.unlock();
        }
        dataSource.close();
    }

    @Override
    public String toString() {
        return sqlite ? "sqlite" : "postgresql";
    }
}
