package dev.aichatroom.store;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;

/**
 * The same contract on a real PostgreSQL server: {@code TEST_POSTGRES_URL} (and {@code TEST_POSTGRES_USER},
 * {@code TEST_POSTGRES_PASSWORD}); {@code .ci/run} starts one and sets them, and sets {@code REQUIRE_POSTGRES=1} so
 * that CI fails rather than skips.
 */
class PostgresMessageStoreIT extends MessageStoreContract {
    @BeforeAll
    static void needsPostgres() {
        boolean configured = System.getenv("TEST_POSTGRES_URL") != null;
        if (!configured && "1".equals(System.getenv("REQUIRE_POSTGRES"))) {
            throw new IllegalStateException("REQUIRE_POSTGRES=1 but TEST_POSTGRES_URL is not set");
        }
        assumeTrue(configured, "TEST_POSTGRES_URL not set: PostgreSQL contract skipped");
    }

    /**
     * The race decision 0047 closes, on PostgreSQL's row locks: a drain's batch has checked the dead instance's session
     * generation (the statement the store uses, in a transaction held open here) and stores a drained input; the
     * instance, back meanwhile, records that it took its session back. That waits for the batch, and its ledger read
     * then has the drained input: before 0047 the instance read the ledger at once and took the input a second time.
     */
    @org.junit.jupiter.api.Test
    void an_instance_taking_its_session_back_waits_for_a_drain_batch_in_progress_and_sees_what_it_stored()
            throws Exception {
        String back = "back-" + java.util.UUID.randomUUID();
        String hash = "h" + java.util.UUID.randomUUID();
        store.heartbeat(back);
        try (java.sql.Connection drain = java.sql.DriverManager.getConnection(
                System.getenv("TEST_POSTGRES_URL"),
                System.getenv("TEST_POSTGRES_USER"),
                System.getenv("TEST_POSTGRES_PASSWORD"))) {
            drain.setAutoCommit(false);
            try (java.sql.PreparedStatement ps = drain.prepareStatement(
                    "SELECT session_generation FROM outbox_instances WHERE instance = ? FOR SHARE")) {
                ps.setString(1, back);
                ps.executeQuery().close();
            }
            try (java.sql.PreparedStatement ps = drain.prepareStatement(
                    "INSERT INTO input_ledger (input_hash, message_id, connection, created) VALUES (?, ?, ?, 1)")) {
                ps.setString(1, hash);
                ps.setString(2, "m-" + hash);
                ps.setString(3, "drainer/drain/" + back + "/1");
                ps.executeUpdate();
            }
            java.util.concurrent.CompletableFuture<java.util.Set<String>> read =
                    java.util.concurrent.CompletableFuture.supplyAsync(() -> store.sessionTakenBack(back));
            org.assertj.core.api.Assertions.assertThat(read)
                    .as("waits while the drain's batch holds the row")
                    .isNotCompleted();
            Thread.sleep(500);
            org.assertj.core.api.Assertions.assertThat(read).isNotCompleted();
            drain.commit();
            org.assertj.core.api.Assertions.assertThat(read.get(10, java.util.concurrent.TimeUnit.SECONDS))
                    .contains(hash);
        }
        org.assertj.core.api.Assertions.assertThat(store.sessionGeneration(back))
                .isEqualTo(1);
    }

    @Override
    protected MessageStore open() {
        return JdbcMessageStore.open(new StoreConfig(
                System.getenv("TEST_POSTGRES_URL"),
                Optional.ofNullable(System.getenv("TEST_POSTGRES_USER")),
                Optional.ofNullable(System.getenv("TEST_POSTGRES_PASSWORD")),
                4));
    }
}
