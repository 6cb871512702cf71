package dev.aichatroom.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/**
 * How a store opens its schema: a database at the newest version with one query of Flyway's history (no Flyway scan
 * and validation on every start, issue 13), anything older through Flyway's migrations. Each test has a database of
 * its own.
 */
abstract class SchemaCheckContract {
    /** An empty database no other test uses. */
    protected abstract StoreConfig freshDatabase();

    protected abstract String migrations();

    @Test
    void a_database_at_the_newest_version_opens_without_flyway() throws SQLException {
        StoreConfig db = freshDatabase();
        JdbcMessageStore.open(db).close();
        // Flyway's validation refuses this history (a migration's checksum no longer matches its file); the one
        // query that finds the schema current does not look at checksums
        execute(db, "UPDATE flyway_schema_history SET checksum = 12345");

        assertThatCode(() -> JdbcMessageStore.open(db).close()).doesNotThrowAnyException();
    }

    @Test
    void an_older_schema_is_migrated_to_the_newest_version() throws SQLException {
        StoreConfig db = freshDatabase();
        Flyway.configure()
                .dataSource(
                        db.jdbcUrl(), db.username().orElse(null), db.password().orElse(null))
                .locations(migrations())
                .target("5")
                .load()
                .migrate();
        assertThat(newestVersion(db)).isEqualTo("5");

        try (MessageStore store = JdbcMessageStore.open(db)) {
            // V7's column: the outbox knows which instance a message is waiting on
            store.appendUnpublished(message(), "instance-a", Optional.empty());
            assertThat(store.unpublished("instance-a")).hasSize(1);
        }
        assertThat(newestVersion(db)).isEqualTo(JdbcMessageStore.SCHEMA_VERSION);
    }

    @Test
    void a_new_database_is_migrated_by_flyway() throws SQLException {
        StoreConfig db = freshDatabase();
        JdbcMessageStore.open(db).close();

        assertThat(newestVersion(db)).isEqualTo(JdbcMessageStore.SCHEMA_VERSION);
    }

    private static StoredMessage message() {
        return new StoredMessage(
                "m1",
                "main",
                "user_message",
                "c1",
                "张三",
                "你好",
                "mqtt",
                Optional.empty(),
                "2025-07-26T11:05:13.675321+08:00",
                Optional.empty());
    }

    private static Connection connect(StoreConfig db) throws SQLException {
        return DriverManager.getConnection(
                db.jdbcUrl(), db.username().orElse(null), db.password().orElse(null));
    }

    private static void execute(StoreConfig db, String sql) throws SQLException {
        try (Connection c = connect(db);
                Statement s = c.createStatement()) {
            s.executeUpdate(sql);
        }
    }

    private static String newestVersion(StoreConfig db) throws SQLException {
        try (Connection c = connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT version FROM flyway_schema_history WHERE success ORDER BY installed_rank DESC")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
