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

    @Override
    protected MessageStore open() {
        return JdbcMessageStore.open(new StoreConfig(
                System.getenv("TEST_POSTGRES_URL"),
                Optional.ofNullable(System.getenv("TEST_POSTGRES_USER")),
                Optional.ofNullable(System.getenv("TEST_POSTGRES_PASSWORD")),
                4));
    }
}
