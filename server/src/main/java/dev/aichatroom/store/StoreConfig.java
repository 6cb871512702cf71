package dev.aichatroom.store;

import java.util.Optional;

/**
 * Where history lives: a JDBC URL ({@code jdbc:sqlite:…} or {@code jdbc:postgresql:…}) and, for PostgreSQL, the
 * account.
 */
public record StoreConfig(String jdbcUrl, Optional<String> username, Optional<String> password, int poolSize) {
    public boolean isSqlite() {
        return jdbcUrl.startsWith("jdbc:sqlite:");
    }
}
