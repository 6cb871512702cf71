package dev.aichatroom.store;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;

class SqliteMessageStoreTest extends MessageStoreContract {
    @TempDir
    static Path dir;

    @Override
    protected MessageStore open() {
        return JdbcMessageStore.open(
                new StoreConfig("jdbc:sqlite:" + dir.resolve("test.db"), Optional.empty(), Optional.empty(), 4));
    }
}
