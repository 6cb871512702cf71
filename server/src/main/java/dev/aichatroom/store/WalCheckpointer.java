package dev.aichatroom.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SQLite's write-ahead log checkpointed on a thread of its own (issue 13, decision 0029). SQLite's own automatic
 * checkpoint runs inside the commit that takes the log past 1,000 pages, on the committing thread: the chat worker, which
 * then spent several milliseconds copying pages and waiting for two {@code fsync}s while inputs queued behind it (at
 * 1,000 msg/s several times a second, 8 % of its time). The store's connections therefore open with {@code
 * wal_autocheckpoint=0}, and this thread, on a connection of its own, runs {@code PRAGMA wal_checkpoint(PASSIVE)} every
 * {@code every} while the log has frames, which never waits for the writer nor makes it wait.
 *
 * <p>Bounded: a passive checkpoint copies the frames that were in the log when it began; the log starts over from its
 * beginning only when a write transaction begins after a checkpoint that copied every frame. A writer that commits
 * every millisecond rarely leaves such a gap, so once the log holds {@code limitPages} pages the checkpoint runs once
 * more holding the store's write lock: it copies only what came since the passive one (milliseconds of writes).
 *
 * <p>The first write after a checkpoint that copied every frame starts the log over and syncs its new header. So that
 * the chat worker does not wait for that sync in its next commit (about once a second at 100 and at 1,000 msg/s), this
 * thread makes that write itself, under the write lock, right after such a round (decision 0042).
 *
 * <p>Durability is SQLite's {@code synchronous=NORMAL}: a commit is in the log file (the operating system has it) when
 * it returns, so it survives a crash of the process; the log is synced to disk at each checkpoint, so a power cut loses
 * at most the commits since the last one (about {@code every} under load, a second when idle).
 */
final class WalCheckpointer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WalCheckpointer.class);
    /** SQLite's primary result code for a lock held by another connection. */
    private static final int SQLITE_BUSY = 5;
    /** Longest wait between checkpoints when the log is empty. */
    static final Duration IDLE = Duration.ofSeconds(1);

    /** What one {@code PRAGMA wal_checkpoint} said. */
    record Result(boolean busy, long logFrames, long checkpointedFrames) {
        boolean complete() {
            return !busy && logFrames == checkpointedFrames;
        }
    }

    private final Connection connection;
    private final Lock writeLock;
    private final Duration every;
    private final long limitPages;
    private final Thread thread;
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong locked = new AtomicLong();
    private final AtomicLong startedOver = new AtomicLong();
    /** The database's {@code user_version}, written back unchanged to start the log over. */
    private final long userVersion;
    /** {@link #dataVersion()} right after this thread last started the log over; only this thread uses it. */
    private long startedOverAt = -1;

    private volatile boolean closed;
    private volatile long maxLogFrames;
    private volatile Result last = new Result(false, 0, 0);

    /**
     * @param connection its own connection to the database, closed with this
     * @param writeLock the lock the store's writer holds for each transaction
     */
    WalCheckpointer(Connection connection, Lock writeLock, Duration every, long limitPages) throws SQLException {
        this.connection = connection;
        this.writeLock = writeLock;
        this.every = every;
        this.limitPages = limitPages;
        try (Statement st = connection.createStatement()) {
            // starting the log over (startOver) skips rather than waits while another connection writes; passive
            // checkpoints never wait anyway
            st.execute("PRAGMA busy_timeout = 0");
            try (ResultSet rs = st.executeQuery("PRAGMA user_version")) {
                rs.next();
                this.userVersion = rs.getLong(1);
            }
        }
        this.thread = Thread.ofPlatform().name("store-checkpoint").daemon(true).start(this::run);
    }

    private void run() {
        long waitMillis = every.toMillis();
        boolean failing = false;
        while (!closed) {
            try {
                Thread.sleep(waitMillis);
            } catch (InterruptedException e) {
                return;
            }
            if (closed) {
                return;
            }
            try {
                Result r = checkpoint();
                if (failing) {
                    LOG.info("WAL checkpoints work again");
                    failing = false;
                }
                waitMillis = r.logFrames() > 0 ? every.toMillis() : Math.min(IDLE.toMillis(), waitMillis * 2);
            } catch (SQLException e) {
                if (closed) {
                    return;
                }
                if (!failing) {
                    LOG.warn("WAL checkpoint failed, trying again: {}", e.getMessage());
                    failing = true;
                }
                waitMillis = IDLE.toMillis();
            }
        }
    }

    /**
     * One round: a passive checkpoint, and a second one under the write lock once the log is at its limit; then, if the
     * log was copied whole and others wrote since this thread last started it over, it starts the log over.
     */
    Result checkpoint() throws SQLException {
        Result r = passive();
        long version = dataVersion();
        maxLogFrames = Math.max(maxLogFrames, r.logFrames());
        if (r.logFrames() >= limitPages) {
            writeLock.lock();
            try {
                r = passive();
                if (r.complete()) {
                    startOver();
                }
            } finally {
                writeLock.unlock();
            }
            locked.incrementAndGet();
        } else if (r.complete() && version != startedOverAt) {
            writeLock.lock();
            try {
                // a commit since the round began has already started the log over, or added frames to copy first
                if (dataVersion() == version) {
                    startOver();
                }
            } finally {
                writeLock.unlock();
            }
        }
        return r;
    }

    /**
     * Starts the log over from this thread, under the write lock, right after a checkpoint copied all of it. The first
     * write after such a checkpoint writes the log's header afresh and syncs it (SQLite does so with {@code
     * synchronous=NORMAL} so that a power cut cannot replay old frames over newer pages): left to the store's writer,
     * that sync was the chat worker's, and every input behind it waited for the disk (decision 0042). Here the writer
     * waits only if it comes to write during the sync. The write itself sets the database's {@code user_version} to the
     * value it has, which no part of the product reads: one page, one frame. It never waits for a write on another
     * connection (busy timeout 0: the store's write lock is held meanwhile); it is skipped instead.
     */
    private void startOver() throws SQLException {
        try (Statement st = connection.createStatement()) {
            st.execute("PRAGMA user_version = " + userVersion);
        } catch (SQLException e) {
            if ((e.getErrorCode() & 0xff) == SQLITE_BUSY) {
                return; // a write on another connection (not the store's writer) holds the log: its commit starts it
            }
            throw e;
        }
        startedOverAt = dataVersion();
        startedOver.incrementAndGet();
    }

    /** SQLite's {@code data_version}: changes whenever another connection (the store's writer) has committed. */
    private long dataVersion() throws SQLException {
        try (Statement st = connection.createStatement();
                ResultSet rs = st.executeQuery("PRAGMA data_version")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private Result passive() throws SQLException {
        try (Statement st = connection.createStatement();
                ResultSet rs = st.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
            rs.next();
            Result r = new Result(rs.getInt(1) != 0, rs.getLong(2), rs.getLong(3));
            if (r.logFrames() > 0 && r.complete()) {
                completed.incrementAndGet();
            }
            last = r;
            return r;
        }
    }

    /** Checkpoints this thread ran that copied every frame the log held. */
    long completedCheckpoints() {
        return completed.get();
    }

    /** Rounds that took the write lock because the log had reached its limit. */
    long lockedRounds() {
        return locked.get();
    }

    /** Times this thread started the log over (and synced its header) instead of the store's writer. */
    long startedOver() {
        return startedOver.get();
    }

    /** What the last checkpoint said. */
    Result last() {
        return last;
    }

    /** The most frames the log held at the start of a round. */
    long maxLogFrames() {
        return maxLogFrames;
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.debug("closing the checkpoint connection failed: {}", e.getMessage());
        }
    }
}
