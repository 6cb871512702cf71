package dev.aichatroom.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SQLite's WAL checkpoints run on the store's checkpoint thread, never inside a commit (the chat worker's), and the WAL
 * stays bounded though the writer never pauses (decision 0029).
 */
@Timeout(120)
class SqliteCheckpointTest {
    /** SQLite's automatic checkpoint comes at 1,000 pages: a log past twice that was never checkpointed by a commit. */
    private static final long AUTOCHECKPOINT_PAGES = 1_000;

    @TempDir
    Path dir;

    private JdbcMessageStore open(Duration every, long limitPages) {
        return JdbcMessageStore.open(
                new StoreConfig("jdbc:sqlite:" + dir.resolve("chat.db"), Optional.empty(), Optional.empty(), 4),
                every,
                limitPages);
    }

    /** As the chat worker writes: each message stored in one transaction, marked published in another. */
    private static void write(MessageStore store, int messages) {
        for (int i = 0; i < messages; i++) {
            String id = UUID.randomUUID().toString();
            store.appendUnpublished(
                    new StoredMessage(
                            id,
                            "main",
                            "user_message",
                            "c" + (i % 4),
                            "user " + (i % 4),
                            "message " + i + " of a steady writer, about as long as a chat line",
                            "mqtt",
                            Optional.empty(),
                            "2026-12-05T12:00:00.000000Z",
                            Optional.of("b:" + id)),
                    "svc",
                    Optional.empty());
            store.markPublished(List.of(id), List.of());
        }
    }

    @Test
    void commits_never_checkpoint_and_a_round_at_the_limit_starts_the_log_over() throws SQLException {
        // the checkpoint thread's first round is an hour away: whatever checkpoints meanwhile is a commit
        try (JdbcMessageStore store = open(Duration.ofHours(1), AUTOCHECKPOINT_PAGES)) {
            WalCheckpointer checkpointer = store.checkpointer().orElseThrow();
            write(store, 600);

            WalCheckpointer.Result round = checkpointer.checkpoint();

            assertThat(checkpointer.maxLogFrames())
                    .as("frames in the log: no commit checkpointed it")
                    .isGreaterThan(2 * AUTOCHECKPOINT_PAGES);
            assertThat(checkpointer.lockedRounds()).isEqualTo(1);
            assertThat(round.complete()).as("every frame copied: %s", round).isTrue();

            write(store, 1);
            assertThat(checkpointer.checkpoint().logFrames())
                    .as("the next write started the log over")
                    .isLessThan(100);
            assertThat(store.history("main", Optional.empty(), 1000)).hasSize(601);
        }
    }

    /**
     * The log's checkpoint sequence number (bytes 12-15 of its header): SQLite raises it each time a write starts the log
     * over, and that write syncs the header (decision 0042).
     */
    private long logStarts() throws IOException {
        byte[] header = new byte[16];
        try (InputStream in = Files.newInputStream(dir.resolve("chat.db-wal"))) {
            assertThat(in.readNBytes(header, 0, 16)).isEqualTo(16);
        }
        return ByteBuffer.wrap(header, 12, 4).getInt() & 0xffffffffL;
    }

    @Test
    void a_round_that_copied_everything_starts_the_log_over_itself_so_the_writer_syncs_no_header()
            throws SQLException, IOException {
        try (JdbcMessageStore store = open(Duration.ofHours(1), 1_000_000)) {
            WalCheckpointer checkpointer = store.checkpointer().orElseThrow();
            write(store, 50);
            long before = logStarts();

            assertThat(checkpointer.checkpoint().complete()).isTrue();
            long afterRound = logStarts();
            assertThat(afterRound).as("the round started the log over").isEqualTo(before + 1);

            write(store, 5);
            assertThat(logStarts())
                    .as("the writer's next commits appended to the log the round started: no header sync on the writer")
                    .isEqualTo(afterRound);

            assertThat(checkpointer.checkpoint().complete()).isTrue();
            long again = logStarts();
            assertThat(again).as("new frames copied: started over again").isEqualTo(afterRound + 1);
            checkpointer.checkpoint();
            checkpointer.checkpoint();
            assertThat(logStarts())
                    .as("rounds with nothing new written do not start the log over (and sync) again")
                    .isEqualTo(again);
            assertThat(store.history("main", Optional.empty(), 1000)).hasSize(55);
        }
    }

    @Test
    void a_round_never_waits_for_a_write_on_another_connection_to_start_the_log_over() throws Exception {
        try (JdbcMessageStore store = open(Duration.ofHours(1), 1_000_000);
                Connection other = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("chat.db"));
                Statement st = other.createStatement()) {
            WalCheckpointer checkpointer = store.checkpointer().orElseThrow();
            write(store, 20);
            long before = logStarts();
            // SQLite's write lock on another connection, as the pool's writers (claims, MCP servers) take it, held
            // until the round is over or for 4 s at most: less than the store's busy timeout (5 s), so a round that
            // waited for it would get it and end only after that
            st.execute("BEGIN IMMEDIATE");
            CountDownLatch roundOver = new CountDownLatch(1);
            AtomicBoolean released = new AtomicBoolean();
            Thread holder = Thread.ofPlatform().start(() -> {
                try {
                    roundOver.await(4, TimeUnit.SECONDS);
                    released.set(true);
                    st.execute("ROLLBACK");
                } catch (InterruptedException | SQLException e) {
                    throw new IllegalStateException(e);
                }
            });

            WalCheckpointer.Result round = checkpointer.checkpoint();
            boolean overBeforeRelease = !released.get();
            roundOver.countDown();
            holder.join();

            assertThat(round.complete()).isTrue();
            assertThat(overBeforeRelease)
                    .as("the round ended while the other write still held the lock (the store's write lock is held"
                            + " while it starts the log over: the chat worker would wait as long)")
                    .isTrue();
            assertThat(logStarts())
                    .as("not started over while another connection writes")
                    .isEqualTo(before);
            checkpointer.checkpoint();
            assertThat(logStarts())
                    .as("started over once the other write is done")
                    .isEqualTo(before + 1);
        }
    }

    @Test
    void the_checkpoint_thread_copies_the_log_by_itself() {
        try (JdbcMessageStore store = open(Duration.ofMillis(20), AUTOCHECKPOINT_PAGES)) {
            WalCheckpointer checkpointer = store.checkpointer().orElseThrow();
            write(store, 600);

            await().atMost(Duration.ofSeconds(60))
                    .until(() -> checkpointer.completedCheckpoints() > 0
                            && checkpointer.last().complete());
            write(store, 1);
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> checkpointer.last().complete()
                            && checkpointer.last().logFrames() > 0
                            && checkpointer.last().logFrames() < 100);
            assertThat(store.history("main", Optional.empty(), 1000)).hasSize(601);
        }
    }

    @Test
    void a_database_in_memory_has_no_checkpoint_thread() {
        try (JdbcMessageStore store = JdbcMessageStore.open(
                new StoreConfig("jdbc:sqlite::memory:", Optional.empty(), Optional.empty(), 1),
                Duration.ofMillis(20),
                AUTOCHECKPOINT_PAGES)) {
            assertThat(store.checkpointer()).isEmpty();
        }
    }
}
