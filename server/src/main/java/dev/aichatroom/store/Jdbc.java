package dev.aichatroom.store;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/** Runs work on a pooled connection, turning SQL failures into retriable {@link StoreException}s. */
final class Jdbc {
    private Jdbc() {}

    /** Something to do with a connection. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /**
     * Runs {@code work} on {@code c} in one transaction: committed when it returns, rolled back when it throws, and
     * {@code c} in auto-commit again after either.
     */
    static <T> T inTransaction(Connection c, Work<T> work) throws SQLException {
        c.setAutoCommit(false);
        try {
            T result = work.run(c);
            c.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    /**
     * Borrows a connection for {@code work}.
     *
     * @param what what the work does, for the error: "cannot {what}: …"
     */
    static <T> T connected(DataSource dataSource, String what, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw new StoreException("cannot " + what + ": " + e.getMessage(), e, true);
        }
    }
}
