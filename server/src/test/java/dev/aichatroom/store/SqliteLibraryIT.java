package dev.aichatroom.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two starts of a JVM that opens a SQLite store the way the product does: both load SQLite's native library from
 * DATA_DIR/native, the second without unpacking it again, and nothing is unpacked to the temporary directory.
 */
@Timeout(180)
class SqliteLibraryIT {
    @TempDir
    Path dir;

    @Test
    void a_second_start_loads_the_kept_library_without_unpacking_it_again() throws Exception {
        Path dataDir = dir.resolve("data");
        Path tmp = Files.createDirectories(dir.resolve("tmp"));

        String first = start(dataDir, tmp);
        Path lib = Path.of(first);
        assertThat(lib.getParent()).isEqualTo(dataDir.resolve("native"));
        Object inode = Files.getAttribute(lib, "unix:ino");
        var modified = Files.getLastModifiedTime(lib);

        assertThat(start(dataDir, tmp)).isEqualTo(first);
        assertThat(Files.getAttribute(lib, "unix:ino")).isEqualTo(inode);
        assertThat(Files.getLastModifiedTime(lib)).isEqualTo(modified);
        try (var unpacked = Files.list(tmp)) {
            assertThat(unpacked)
                    .as("sqlite-jdbc's own copies in java.io.tmpdir")
                    .isEmpty();
        }
    }

    /** Runs {@link Child} in a JVM of its own; the path of the SQLite library it mapped. */
    private String start(Path dataDir, Path tmp) throws IOException, InterruptedException {
        Path out = dir.resolve("child.out");
        Process child = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Djava.io.tmpdir=" + tmp,
                        "-cp",
                        System.getProperty("java.class.path"),
                        Child.class.getName(),
                        dataDir.toString())
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
        assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String output = Files.readString(out);
        assertThat(child.exitValue()).as(output).isZero();
        return output.lines()
                .filter(l -> l.startsWith("mapped "))
                .map(l -> l.substring("mapped ".length()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no SQLite library mapped: " + output));
    }

    /** Opens a store in DATA_DIR as {@code Application} does and prints the SQLite library it mapped. */
    public static final class Child {
        public static void main(String[] args) throws IOException {
            Path dataDir = Path.of(args[0]);
            Files.createDirectories(dataDir);
            SqliteLibrary.keepIn(dataDir);
            JdbcMessageStore.open(new StoreConfig(
                            "jdbc:sqlite:" + dataDir.resolve("chatroom.db"), Optional.empty(), Optional.empty(), 2))
                    .close();
            Files.readAllLines(Path.of("/proc/self/maps")).stream()
                    .filter(l -> l.contains("sqlitejdbc"))
                    .map(l -> l.substring(l.indexOf('/')))
                    .distinct()
                    .forEach(l -> System.out.println("mapped " + l));
        }
    }
}
