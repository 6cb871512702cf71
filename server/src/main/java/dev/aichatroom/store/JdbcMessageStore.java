package dev.aichatroom.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** History in SQLite (the embedded default) or PostgreSQL, schema managed by Flyway migrations. */
public final class JdbcMessageStore implements MessageStore {
    private static final Logger LOG = LoggerFactory.getLogger(JdbcMessageStore.class);
    /**
     * The newest migration in {@code db/migration/sqlite} and {@code db/migration/postgresql}: a new migration raises
     * it (SchemaVersionTest fails until it does), or an existing database would not get it.
     */
    static final String SCHEMA_VERSION = "9";
    /** How often SQLite's WAL is checkpointed while it has frames: the most a power cut loses under load. */
    static final Duration CHECKPOINT_EVERY = Duration.ofMillis(100);
    /**
     * 64 MiB of 4 KiB pages: the WAL's bound (SQLite's automatic checkpoint came at 1,000; 16 MiB until decision 0034).
     * Each time the log reaches it the writer waits for a checkpoint round and a sync (several ms): at 1,000 msg/s
     * that came twice a second with 16 MiB.
     */
    static final long CHECKPOINT_LIMIT_PAGES = 16_384;

    private static final String COLUMNS =
            "message_id, room, type, client_id, username, content, source, reply_to, created_at, dedupe_key";

    private final HikariDataSource dataSource;
    private final boolean sqlite;
    private final MemberStore members;
    private final ClaimStore claims;
    private final McpServerStore mcpServers;
    private final ReentrantLock writeLock = new ReentrantLock();
    private volatile Optional<WalCheckpointer> checkpointer = Optional.empty();
    private Connection writer;
    private PreparedStatement insert;
    private PreparedStatement outboxInsert;
    private PreparedStatement ledgerInsert;
    private final java.util.Map<String, PreparedStatement> writerStatements = new java.util.HashMap<>();

    private JdbcMessageStore(HikariDataSource dataSource, boolean sqlite) {
        this.dataSource = dataSource;
        this.sqlite = sqlite;
        this.members = new JdbcMemberStore(dataSource);
        this.claims = new JdbcClaimStore(dataSource);
        this.mcpServers = new JdbcMcpServerStore(dataSource);
    }

    /** Opens the database and migrates its schema to the newest version. */
    public static JdbcMessageStore open(StoreConfig config) {
        return open(config, CHECKPOINT_EVERY, CHECKPOINT_LIMIT_PAGES);
    }

    /**
     * @param checkpointEvery how often the WAL is checkpointed while it has frames (SQLite)
     * @param checkpointLimitPages the WAL's bound: from this many pages on, checkpoints hold the write lock
     */
    static JdbcMessageStore open(StoreConfig config, Duration checkpointEvery, long checkpointLimitPages) {
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
            // no checkpoint inside a commit (on the chat worker): WalCheckpointer runs them on a thread of its own
            hikari.addDataSourceProperty("wal_autocheckpoint", "0");
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
            migrate(dataSource, config);
        } catch (RuntimeException e) {
            dataSource.close();
            throw new StoreException("cannot migrate the message store: " + e.getMessage(), e, false);
        }
        JdbcMessageStore store = new JdbcMessageStore(dataSource, config.isSqlite());
        if (config.isSqlite()) {
            store.startCheckpoints(config.jdbcUrl(), checkpointEvery, checkpointLimitPages);
        }
        return store;
    }

    /**
     * On a database in WAL mode (a file; not {@code :memory:}), checkpoints on a thread of its own with its own
     * connection instead of inside commits.
     */
    private void startCheckpoints(String jdbcUrl, Duration every, long limitPages) {
        java.util.Properties properties = new java.util.Properties();
        properties.setProperty("busy_timeout", "5000");
        properties.setProperty("wal_autocheckpoint", "0");
        // as the writer's: checkpoints sync the log and the database, its own small commits (starting the log over,
        // decision 0042) sync only the log's new header, as the writer's would
        properties.setProperty("synchronous", "NORMAL");
        Connection connection = null;
        try {
            connection = java.sql.DriverManager.getConnection(jdbcUrl, properties);
            String mode;
            try (var st = connection.createStatement();
                    ResultSet rs = st.executeQuery("PRAGMA journal_mode")) {
                mode = rs.next() ? rs.getString(1) : "";
            }
            if (!"wal".equalsIgnoreCase(mode)) {
                connection.close();
                return;
            }
            checkpointer = Optional.of(new WalCheckpointer(connection, writeLock, every, limitPages));
        } catch (SQLException e) {
            close(); // the caller never gets this store
            throw new StoreException(
                    "cannot open the message store's checkpoint connection: " + e.getMessage(), e, false);
        }
    }

    /**
     * Brings the schema to {@link #SCHEMA_VERSION}. A database already there (every start but the first) is told by
     * one query of Flyway's history table, without Flyway: its scan of the 40,000-entry jar for migrations and its
     * validation cost about 0.3 s of CPU on every start (issue 13). Anything else (no history, an older or newer
     * version, a failed migration) goes to Flyway as before, which migrates, or refuses with its own reasons.
     */
    private static void migrate(HikariDataSource dataSource, StoreConfig config) {
        if (atVersion(dataSource, SCHEMA_VERSION)) {
            LOG.info("Message store {} ready (schema version {}, current)", redact(config.jdbcUrl()), SCHEMA_VERSION);
            return;
        }
        var result = Flyway.configure()
                .dataSource(dataSource)
                .locations(config.isSqlite() ? "classpath:db/migration/sqlite" : "classpath:db/migration/postgresql")
                .load()
                .migrate();
        LOG.info(
                "Message store {} ready (schema version {}, {} migration(s) applied)",
                redact(config.jdbcUrl()),
                result.targetSchemaVersion == null ? "current" : result.targetSchemaVersion,
                result.migrationsExecuted);
    }

    /**
     * Whether Flyway's history says the schema is at {@code version} exactly, with no failed migration; false where
     * there is no history table yet.
     */
    static boolean atVersion(DataSource dataSource, String version) {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT version, success FROM flyway_schema_history")) {
            List<Integer> newest = List.of();
            while (rs.next()) {
                if (!rs.getBoolean(2)) {
                    return false;
                }
                String v = rs.getString(1);
                if (v != null && compareVersions(parts(v), newest) > 0) {
                    newest = parts(v);
                }
            }
            return compareVersions(newest, parts(version)) == 0;
        } catch (SQLException | NumberFormatException e) {
            return false; // a new database (no history table), or one Flyway should look at
        }
    }

    private static List<Integer> parts(String version) {
        return java.util.Arrays.stream(version.split("\\."))
                .map(Integer::valueOf)
                .toList();
    }

    private static int compareVersions(List<Integer> a, List<Integer> b) {
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            int c = Integer.compare(i < a.size() ? a.get(i) : 0, i < b.size() ? b.get(i) : 0);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    static String redact(String jdbcUrl) {
        return jdbcUrl.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    @Override
    public boolean append(StoredMessage m) {
        writeLock.lock();
        try {
            PreparedStatement ps = insertStatement();
            bind(ps, m);
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            closeWriter();
            throw new StoreException("cannot store message " + m.messageId() + ": " + e.getMessage(), e, true);
        } finally {
            writeLock.unlock();
        }
    }

    /** One message is a batch of one: the same statements, the same transaction with its ledger entry. */
    @Override
    public boolean appendUnpublished(StoredMessage m, String instance, Optional<LedgerEntry> ledger) {
        return appendUnpublished(List.of(new Unpublished(m, ledger)), instance).getFirst();
    }

    @Override
    public List<Boolean> appendUnpublished(List<Unpublished> batch, String instance) {
        return appendUnpublished(batch, instance, List.of(), List.of());
    }

    @Override
    public List<Boolean> appendUnpublished(
            List<Unpublished> batch,
            String instance,
            java.util.Collection<String> published,
            java.util.Collection<String> acknowledging) {
        if (batch.isEmpty()) {
            markPublished(published, acknowledging);
            return List.of();
        }
        writeLock.lock();
        try {
            PreparedStatement ps = outboxStatement();
            writer.setAutoCommit(false);
            try {
                java.util.Set<String> takenBack = takenBack(writer, batch);
                if (!takenBack.isEmpty()) {
                    writer.rollback();
                    throw new SessionTakenBack(takenBack);
                }
                mark(writer, published, acknowledging);
                List<Boolean> stored = new ArrayList<>(batch.size());
                for (Unpublished u : batch) {
                    bind(ps, u.message());
                    ps.setString(11, instance);
                    boolean taken = ps.executeUpdate() == 1;
                    if (taken && u.ledger().isPresent()) {
                        LedgerEntry ledger = u.ledger().get();
                        ledgerInsert.setString(1, ledger.inputHash());
                        ledgerInsert.setString(2, u.message().messageId());
                        ledgerInsert.setString(3, ledger.connection());
                        ledgerInsert.setLong(4, ledger.createdMillis());
                        ledgerInsert.executeUpdate();
                    }
                    stored.add(taken);
                }
                writer.commit();
                return stored;
            } catch (SQLException e) {
                writer.rollback();
                throw e;
            } finally {
                writer.setAutoCommit(true);
            }
        } catch (SQLException e) {
            closeWriter();
            throw new StoreException(
                    "cannot store " + batch.size() + " message(s) from "
                            + batch.getFirst().message().messageId() + ": " + e.getMessage(),
                    e,
                    true);
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * The instances of the batch's fences whose session generation is no longer the fence's: the row is locked against
     * {@link #sessionTakenBack} until this transaction ends (PostgreSQL; SQLite has one writer at a time).
     */
    private java.util.Set<String> takenBack(Connection c, List<Unpublished> batch) throws SQLException {
        java.util.Set<String> takenBack = new java.util.HashSet<>();
        java.util.Map<String, Long> checked = new java.util.HashMap<>();
        for (Unpublished u : batch) {
            if (u.fence().isEmpty()) {
                continue;
            }
            Fence fence = u.fence().get();
            Long now = checked.get(fence.instance());
            if (now == null) {
                try (PreparedStatement ps =
                        c.prepareStatement("SELECT session_generation FROM outbox_instances WHERE instance = ?"
                                + (sqlite ? "" : " FOR SHARE"))) {
                    ps.setString(1, fence.instance());
                    try (ResultSet rs = ps.executeQuery()) {
                        now = rs.next() ? rs.getLong(1) : -1L; // forgotten: its drain is over
                    }
                }
                checked.put(fence.instance(), now);
            }
            if (now != fence.generation()) {
                takenBack.add(fence.instance());
            }
        }
        return takenBack;
    }

    @Override
    public long sessionGeneration(String instance) {
        return Jdbc.connected(dataSource, "read a session generation", c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT session_generation FROM outbox_instances WHERE instance = ?")) {
                ps.setString(1, instance);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : 0L;
                }
            }
        });
    }

    @Override
    public java.util.Set<String> sessionTakenBack(String instance) {
        return written(
                "record a broker session taken back",
                w -> Jdbc.inTransaction(w, c -> {
                    try (PreparedStatement ps = c.prepareStatement(
                            "UPDATE outbox_instances SET session_generation = session_generation + 1 WHERE instance = ?")) {
                        ps.setString(1, instance);
                        // waits for a drain's batch that locked the row: its inputs are in the ledger
                        ps.executeUpdate();
                    }
                    return ledgerHashes(c);
                }));
    }

    private PreparedStatement outboxStatement() throws SQLException {
        insertStatement();
        if (outboxInsert == null) {
            outboxInsert = writer.prepareStatement("INSERT INTO messages (" + COLUMNS
                    + ", published, instance) VALUES (?,?,?,?,?,?,?,?,?,?," + (sqlite ? "0" : "FALSE")
                    + ",?) ON CONFLICT DO NOTHING");
            ledgerInsert = writer.prepareStatement(
                    "INSERT INTO input_ledger (input_hash, message_id, connection, created) VALUES (?,?,?,?)");
        }
        return outboxInsert;
    }

    private static void bind(PreparedStatement ps, StoredMessage m) throws SQLException {
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
    }

    @Override
    public List<StoredMessage> unpublished(String instance) {
        return Jdbc.connected(dataSource, "read the unpublished messages", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
                    + " FROM messages WHERE instance = ? AND published = " + (sqlite ? "0" : "FALSE")
                    + " ORDER BY seq")) {
                ps.setString(1, instance);
                List<StoredMessage> result = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        result.add(row(rs));
                    }
                }
                return result;
            }
        });
    }

    /** Now, in epoch milliseconds, by the database's clock: every instance compares heartbeats on the same clock. */
    private String nowMillis() {
        return sqlite
                ? "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"
                : "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)";
    }

    @Override
    public void heartbeat(String instance) {
        written("record this instance as alive", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO outbox_instances (instance, seen_at) VALUES (?, " + nowMillis()
                            + ") ON CONFLICT (instance) DO UPDATE SET seen_at = excluded.seen_at, drain_after = NULL")) {
                ps.setString(1, instance);
                ps.executeUpdate();
                return null;
            }
        });
    }

    @Override
    public List<Takeover> takeOver(String taker, java.time.Duration timeout) {
        List<String> owners = Jdbc.connected(dataSource, "look for unpublished messages of other instances", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT instance FROM messages WHERE published = "
                    + (sqlite ? "0" : "FALSE") + " AND instance IS NOT NULL AND instance <> ?")) {
                ps.setString(1, taker);
                List<String> found = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        found.add(rs.getString(1));
                    }
                }
                return found;
            }
        });
        List<Takeover> taken = new ArrayList<>();
        for (String owner : owners) {
            List<StoredMessage> messages = takeOver(taker, owner, timeout);
            if (!messages.isEmpty()) {
                taken.add(new Takeover(owner, messages));
            }
        }
        return taken;
    }

    @Override
    public List<String> claimDrains(String taker, java.time.Duration timeout, java.time.Duration lease) {
        return written("claim the broker sessions of instances not alive", c -> {
            // PostgreSQL: two takers updating the same row wait for each other and the second finds it claimed
            try (PreparedStatement ps = c.prepareStatement("UPDATE outbox_instances SET drain_after = " + nowMillis()
                    + " + ? WHERE instance <> ? AND seen_at < " + nowMillis() + " - ? AND (drain_after IS NULL OR"
                    + " drain_after < " + nowMillis() + ") RETURNING instance")) {
                ps.setLong(1, lease.toMillis());
                ps.setString(2, taker);
                ps.setLong(3, timeout.toMillis());
                List<String> claimed = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        claimed.add(rs.getString(1));
                    }
                }
                claimed.sort(null);
                return claimed;
            }
        });
    }

    @Override
    public boolean drained(String instance, java.time.Duration timeout) {
        return written("forget the drained instance " + instance, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "DELETE FROM outbox_instances WHERE instance = ? AND seen_at < " + nowMillis() + " - ?")) {
                ps.setString(1, instance);
                ps.setLong(2, timeout.toMillis());
                return ps.executeUpdate() > 0;
            }
        });
    }

    /** Takes {@code owner}'s unpublished messages if it is not alive, holding its record locked meanwhile. */
    private List<StoredMessage> takeOver(String taker, String owner, java.time.Duration timeout) {
        return Jdbc.connected(dataSource, "take over the unpublished messages of " + owner, c -> {
            c.setAutoCommit(false);
            try (PreparedStatement first = c.prepareStatement("INSERT INTO outbox_instances (instance, seen_at) VALUES"
                            + " (?, " + nowMillis() + ") ON CONFLICT (instance) DO NOTHING");
                    PreparedStatement seen = c.prepareStatement("SELECT seen_at < " + nowMillis() + " - ? FROM"
                            + " outbox_instances WHERE instance = ?" + (sqlite ? "" : " FOR UPDATE"));
                    PreparedStatement take = c.prepareStatement("UPDATE messages SET instance = ? WHERE instance = ?"
                            + " AND published = " + (sqlite ? "0" : "FALSE") + " RETURNING " + COLUMNS + ", seq")) {
                first.setString(1, owner);
                first.executeUpdate();
                seen.setLong(1, timeout.toMillis());
                seen.setString(2, owner);
                boolean gone;
                try (ResultSet rs = seen.executeQuery()) {
                    gone = rs.next() && rs.getBoolean(1);
                }
                List<Long> order = new ArrayList<>();
                List<StoredMessage> messages = new ArrayList<>();
                if (gone) {
                    take.setString(1, taker);
                    take.setString(2, owner);
                    try (ResultSet rs = take.executeQuery()) {
                        while (rs.next()) {
                            order.add(rs.getLong(11));
                            messages.add(row(rs));
                        }
                    }
                }
                c.commit();
                return inOrder(order, messages);
            } catch (SQLException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        });
    }

    /** {@code messages} sorted by their {@code seq} (RETURNING gives no order). */
    private static List<StoredMessage> inOrder(List<Long> seq, List<StoredMessage> messages) {
        Integer[] index = new Integer[messages.size()];
        for (int i = 0; i < index.length; i++) {
            index[i] = i;
        }
        java.util.Arrays.sort(index, java.util.Comparator.comparing(seq::get));
        List<StoredMessage> sorted = new ArrayList<>(index.length);
        for (Integer i : index) {
            sorted.add(messages.get(i));
        }
        return sorted;
    }

    @Override
    public void markPublished(java.util.Collection<String> messageIds, java.util.Collection<String> acknowledging) {
        if (messageIds.isEmpty() && acknowledging.isEmpty()) {
            return;
        }
        written(
                "mark " + messageIds.size() + " message(s) published",
                w -> Jdbc.inTransaction(w, c -> {
                    mark(c, messageIds, acknowledging);
                    return null;
                }));
    }

    /**
     * Marks messages published and forgets ledger entries, in the caller's transaction on {@code c}: one statement per
     * id, executed as a batch, so that the statements are the same whatever the number of ids (an IN list of each
     * length was compiled anew on every call, issue 13). On SQLite they are prepared once on the writer's connection.
     */
    private void mark(Connection c, java.util.Collection<String> messageIds, java.util.Collection<String> acknowledging)
            throws SQLException {
        if (!messageIds.isEmpty()) {
            runBatch(c, markSql(), messageIds);
        }
        if (!acknowledging.isEmpty()) {
            runBatch(c, FORGET_SQL, acknowledging);
        }
    }

    private static final String FORGET_SQL = "DELETE FROM input_ledger WHERE message_id = ?";

    private String markSql() {
        return "UPDATE messages SET published = " + (sqlite ? "1" : "TRUE") + " WHERE message_id = ?";
    }

    private void runBatch(Connection c, String sql, java.util.Collection<String> ids) throws SQLException {
        if (c == writer) {
            runBatch(writerStatement(sql), ids);
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            runBatch(ps, ids);
        }
    }

    private static void runBatch(PreparedStatement ps, java.util.Collection<String> ids) throws SQLException {
        if (ids.size() == 1) {
            ps.setString(1, ids.iterator().next());
            ps.executeUpdate();
            return;
        }
        for (String id : ids) {
            ps.setString(1, id);
            ps.addBatch();
        }
        ps.executeBatch();
    }

    /** A statement kept open on the writer's connection (SQLite), closed with it. Guarded by {@link #writeLock}. */
    private PreparedStatement writerStatement(String sql) throws SQLException {
        PreparedStatement ps = writerStatements.get(sql);
        if (ps == null) {
            ps = writer.prepareStatement(sql);
            writerStatements.put(sql, ps);
        }
        return ps;
    }

    /**
     * Runs a write of the hot path. SQLite takes one writer at a time and makes a second one wait in its busy handler,
     * which sleeps 1, 2, 5, 10 … ms between tries: the chat worker's inserts and the outbox's marking, on two
     * connections, collided on every burst and paid those sleeps (issue 13). On SQLite such writes therefore go through
     * the appends' own connection, one after the other under {@link #writeLock}; PostgreSQL locks rows, not the
     * database, and takes them on pooled connections side by side.
     */
    private <T> T written(String what, Jdbc.Work<T> work) {
        if (!sqlite) {
            return Jdbc.connected(dataSource, what, work);
        }
        writeLock.lock();
        try {
            insertStatement();
            return work.run(writer);
        } catch (SQLException e) {
            closeWriter();
            throw new StoreException("cannot " + what + ": " + e.getMessage(), e, true);
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public java.util.Set<String> ledgerHashes() {
        return Jdbc.connected(dataSource, "read the input ledger", JdbcMessageStore::ledgerHashes);
    }

    private static java.util.Set<String> ledgerHashes(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT input_hash FROM input_ledger");
                ResultSet rs = ps.executeQuery()) {
            java.util.Set<String> hashes = new java.util.HashSet<>();
            while (rs.next()) {
                hashes.add(rs.getString(1));
            }
            return hashes;
        }
    }

    @Override
    public Optional<String> claimRedelivery(String inputHash, String connection, long nowMillis) {
        return written("look up a redelivered input", c -> {
            // PostgreSQL: an entry another instance is claiming right now is left to it
            try (PreparedStatement ps = c.prepareStatement("UPDATE input_ledger SET connection = ?, created = ?"
                    + " WHERE id = (SELECT id FROM input_ledger WHERE input_hash = ? AND connection <> ? ORDER BY id"
                    + " LIMIT 1" + (sqlite ? "" : " FOR UPDATE SKIP LOCKED") + ") RETURNING message_id")) {
                ps.setString(1, connection);
                ps.setLong(2, nowMillis);
                ps.setString(3, inputHash);
                ps.setString(4, connection);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.<String>empty();
                }
            }
        });
    }

    @Override
    public int forgetLedgerBefore(long beforeMillis, String connectionPrefix) {
        return written("forget old input ledger entries", c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("DELETE FROM input_ledger WHERE created < ? AND substr(connection, 1, ?) = ?")) {
                ps.setLong(1, beforeMillis);
                ps.setInt(2, connectionPrefix.length());
                ps.setString(3, connectionPrefix);
                return ps.executeUpdate();
            }
        });
    }

    /**
     * Appends go through one connection and one prepared statement, kept open: compiling the INSERT and borrowing a
     * pooled connection per message cost more than the insert itself. Guarded by {@link #writeLock}.
     */
    /** The writer's page cache (SQLite), in KiB. */
    static final int WRITER_CACHE_KIB = 8 * 1024;

    private PreparedStatement insertStatement() throws SQLException {
        if (insert == null) {
            writer = dataSource.getConnection();
            if (sqlite) {
                // the writer's page cache holds the indexes' hot pages: with SQLite's default (2 MiB) a growing store's
                // appends read them again from the file, one pread per page (issue 13); filled only as pages are used
                try (var st = writer.createStatement()) {
                    st.execute("PRAGMA cache_size=-" + WRITER_CACHE_KIB);
                }
            }
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
        writerStatements.clear();
        insert = null;
        outboxInsert = null;
        ledgerInsert = null;
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
                    result.add(row(rs));
                }
            }
            Collections.reverse(result);
            return result;
        } catch (SQLException e) {
            throw new StoreException("cannot read history of room " + room + ": " + e.getMessage(), e, true);
        }
    }

    private static StoredMessage row(ResultSet rs) throws SQLException {
        return new StoredMessage(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                rs.getString(4),
                rs.getString(5),
                rs.getString(6),
                rs.getString(7),
                Optional.ofNullable(rs.getString(8)),
                rs.getString(9),
                Optional.ofNullable(rs.getString(10)));
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

    /** The WAL's checkpointer, when the database is SQLite in WAL mode. */
    Optional<WalCheckpointer> checkpointer() {
        return checkpointer;
    }

    @Override
    public void close() {
        checkpointer.ifPresent(WalCheckpointer::close);
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
