package dev.aichatroom.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Several instances of the product as docs/deployment.md scales them out: each its own {@code MQTT_CLIENT_ID} on an
 * external broker, one {@code CHAT_SHARED_GROUP}, one PostgreSQL ({@code TEST_POSTGRES_URL}, in a schema of the test's
 * own that {@link #close()} drops). Without {@code TEST_POSTGRES_URL} the test is skipped, or fails with
 * {@code REQUIRE_POSTGRES=1} (CI).
 */
public final class ScaleOutFixture implements AutoCloseable {
    private final String schema;
    private final List<TestProduct> instances = new ArrayList<>();

    private ScaleOutFixture(String schema) {
        this.schema = schema;
    }

    /** A fresh schema named {@code prefix_} and eight random characters. */
    public static ScaleOutFixture create(String prefix) throws SQLException {
        boolean configured = System.getenv("TEST_POSTGRES_URL") != null;
        if (!configured && "1".equals(System.getenv("REQUIRE_POSTGRES"))) {
            throw new IllegalStateException("REQUIRE_POSTGRES=1 but TEST_POSTGRES_URL is not set");
        }
        assumeTrue(configured, "TEST_POSTGRES_URL not set: " + prefix + " test skipped");
        ScaleOutFixture f =
                new ScaleOutFixture(prefix + "_" + UUID.randomUUID().toString().substring(0, 8));
        f.sql("CREATE SCHEMA " + f.schema);
        return f;
    }

    /** {@code table} in the test's schema, for the test's own queries. */
    public String table(String name) {
        return schema + "." + name;
    }

    /**
     * Starts an instance as {@code clientId} on the broker at {@code 127.0.0.1:brokerPort}, in the shared group and on
     * the shared database, with {@code more} settings; closed with this fixture.
     */
    public TestProduct start(String clientId, int brokerPort, Map<String, String> more) {
        TestProduct instance = TestProduct.start(env(clientId, brokerPort, more));
        instances.add(instance);
        return instance;
    }

    /**
     * The variables of an instance named {@code clientId} on the broker at {@code 127.0.0.1:brokerPort}, in the shared
     * group and on the shared database: for an instance a test starts as a process of its own.
     */
    public Map<String, String> env(String clientId, int brokerPort) {
        String url = System.getenv("TEST_POSTGRES_URL");
        Map<String, String> env = new HashMap<>(Map.of(
                "MQTT_BROKER",
                "127.0.0.1",
                "MQTT_PORT",
                Integer.toString(brokerPort),
                "MQTT_CLIENT_ID",
                clientId,
                "CHAT_SHARED_GROUP",
                "ai-chatroom",
                "DATABASE_URL",
                url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema));
        env.put("DATABASE_USER", System.getenv().getOrDefault("TEST_POSTGRES_USER", ""));
        env.put("DATABASE_PASSWORD", System.getenv().getOrDefault("TEST_POSTGRES_PASSWORD", ""));
        return env;
    }

    /** {@link #env(String, int)} with {@code more} settings on top. */
    public Map<String, String> env(String clientId, int brokerPort, Map<String, String> more) {
        Map<String, String> env = env(clientId, brokerPort);
        env.putAll(more);
        return env;
    }

    /** A connection to the database (its default schema: name tables with {@link #table}). */
    public Connection db() throws SQLException {
        return DriverManager.getConnection(
                System.getenv("TEST_POSTGRES_URL"),
                System.getenv("TEST_POSTGRES_USER"),
                System.getenv("TEST_POSTGRES_PASSWORD"));
    }

    /**
     * The rows of {@code table} (named as in {@link #table}) that satisfy {@code condition}, whose {@code ?}s take
     * {@code values} in order (strings or booleans).
     */
    public int count(String table, String condition, Object... values) throws SQLException {
        try (Connection c = db();
                java.sql.PreparedStatement ps =
                        c.prepareStatement("SELECT count(*) FROM " + table(table) + " WHERE " + condition)) {
            for (int i = 0; i < values.length; i++) {
                ps.setObject(i + 1, values[i]);
            }
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getInt(1) : 0;
            }
        }
    }

    public void sql(String statement) throws SQLException {
        try (Connection c = db();
                Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    /** Closes each of {@code closeables} that is there, whatever the others do. */
    public static void closeAll(AutoCloseable... closeables) {
        for (AutoCloseable c : closeables) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // keep closing the rest
            }
        }
    }

    /** Stops the instances started here, then drops the schema. */
    @Override
    public void close() throws SQLException {
        closeAll(instances.toArray(AutoCloseable[]::new));
        sql("DROP SCHEMA " + schema + " CASCADE");
    }
}
