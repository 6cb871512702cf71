package dev.aichatroom.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A store finds a database current by comparing Flyway's history with {@link JdbcMessageStore#SCHEMA_VERSION}: a new
 * migration that does not raise it would never reach a database that was current before.
 */
class SchemaVersionTest {
    private static final Pattern VERSIONED = Pattern.compile("V(\\d+)__.*\\.sql");

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void the_schema_version_is_the_newest_migration(String database) throws IOException {
        Path dir = Path.of("src/main/resources/db/migration", database);
        int newest;
        try (Stream<Path> files = Files.list(dir)) {
            newest = files.map(f -> VERSIONED.matcher(f.getFileName().toString()))
                    .filter(Matcher::matches)
                    .map(m -> Integer.parseInt(m.group(1)))
                    .max(Comparator.naturalOrder())
                    .orElseThrow();
        }
        assertThat(JdbcMessageStore.SCHEMA_VERSION)
                .as("JdbcMessageStore.SCHEMA_VERSION must name the newest migration in " + dir)
                .isEqualTo(String.valueOf(newest));
    }
}
