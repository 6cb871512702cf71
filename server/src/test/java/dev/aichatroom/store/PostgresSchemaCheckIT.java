package dev.aichatroom.store;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/** The schema check on a real PostgreSQL server ({@code TEST_POSTGRES_URL}), each test in a schema of its own. */
class PostgresSchemaCheckIT extends SchemaCheckContract {
    private String schema;

    @BeforeAll
    static void needsPostgres() {
        boolean configured = System.getenv("TEST_POSTGRES_URL") != null;
        if (!configured && "1".equals(System.getenv("REQUIRE_POSTGRES"))) {
            throw new IllegalStateException("REQUIRE_POSTGRES=1 but TEST_POSTGRES_URL is not set");
        }
        assumeTrue(configured, "TEST_POSTGRES_URL not set: PostgreSQL schema check skipped");
    }

    @Override
    protected StoreConfig freshDatabase() {
        schema = "schema_check_" + UUID.randomUUID().toString().replace("-", "");
        run("CREATE SCHEMA " + schema);
        String url = System.getenv("TEST_POSTGRES_URL");
        return new StoreConfig(
                url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema,
                Optional.ofNullable(System.getenv("TEST_POSTGRES_USER")),
                Optional.ofNullable(System.getenv("TEST_POSTGRES_PASSWORD")),
                4);
    }

    @Override
    protected String migrations() {
        return "classpath:db/migration/postgresql";
    }

    @AfterEach
    void dropSchema() {
        if (schema != null) {
            run("DROP SCHEMA " + schema + " CASCADE");
        }
    }

    private static void run(String sql) {
        try (Connection c = DriverManager.getConnection(
                        System.getenv("TEST_POSTGRES_URL"),
                        System.getenv("TEST_POSTGRES_USER"),
                        System.getenv("TEST_POSTGRES_PASSWORD"));
                Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }
}
