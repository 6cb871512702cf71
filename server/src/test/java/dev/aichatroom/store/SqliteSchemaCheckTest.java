package dev.aichatroom.store;

import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.io.TempDir;

class SqliteSchemaCheckTest extends SchemaCheckContract {
    @TempDir
    Path dir;

    @Override
    protected StoreConfig freshDatabase() {
        return new StoreConfig(
                "jdbc:sqlite:" + dir.resolve(UUID.randomUUID() + ".db"), Optional.empty(), Optional.empty(), 4);
    }

    @Override
    protected String migrations() {
        return "classpath:db/migration/sqlite";
    }
}
