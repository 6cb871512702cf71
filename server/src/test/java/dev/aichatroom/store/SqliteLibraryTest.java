package dev.aichatroom.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.zip.CRC32;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kept copy of SQLite's native library: written once, used while it is the jar's, private to its owner. */
class SqliteLibraryTest {
    @TempDir
    Path dataDir;

    private Path dir;
    private byte[] original;

    @BeforeEach
    void jarsLibrary() throws IOException {
        dir = dataDir.resolve("native");
        try (var in = SqliteLibrary.class.getClassLoader().getResourceAsStream(SqliteLibrary.RESOURCE)) {
            assertThat(in)
                    .as("sqlite-jdbc's library for Linux x86_64 in its jar")
                    .isNotNull();
            original = in.readAllBytes();
        }
    }

    @Test
    void the_library_is_written_once_with_the_jars_content_and_kept_private() throws IOException {
        Path lib = SqliteLibrary.kept(dir).orElseThrow();

        assertThat(Files.readAllBytes(lib)).isEqualTo(original);
        assertThat(lib.getFileName().toString())
                .isEqualTo("libsqlitejdbc-" + Long.toHexString(crc(original)) + "-" + original.length + ".so");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
                .isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(lib)))
                .isEqualTo("rw-------");
        Object inode = Files.getAttribute(lib, "unix:ino");
        var modified = Files.getLastModifiedTime(lib);

        assertThat(SqliteLibrary.kept(dir)).contains(lib);
        assertThat(Files.getAttribute(lib, "unix:ino"))
                .as("the same file, not unpacked again")
                .isEqualTo(inode);
        assertThat(Files.getLastModifiedTime(lib)).isEqualTo(modified);
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(lib);
        }
    }

    @Test
    void a_kept_copy_that_differs_from_the_jars_is_written_again() throws IOException {
        Path lib = SqliteLibrary.kept(dir).orElseThrow();
        // same size, one byte changed: only the checksum tells
        try (var channel = Files.newByteChannel(lib, StandardOpenOption.WRITE)) {
            channel.position(original.length / 2);
            channel.write(java.nio.ByteBuffer.wrap(new byte[] {(byte) ~original[original.length / 2]}));
        }

        assertThat(SqliteLibrary.kept(dir)).contains(lib);
        assertThat(Files.readAllBytes(lib)).isEqualTo(original);
    }

    @Test
    void a_truncated_copy_is_written_again() throws IOException {
        Path lib = SqliteLibrary.kept(dir).orElseThrow();
        Files.write(lib, new byte[10]);

        assertThat(SqliteLibrary.kept(dir)).contains(lib);
        assertThat(Files.readAllBytes(lib)).isEqualTo(original);
    }

    @Test
    void a_copy_others_may_write_is_written_again() throws IOException {
        Path lib = SqliteLibrary.kept(dir).orElseThrow();
        Files.setPosixFilePermissions(lib, PosixFilePermissions.fromString("rw-rw-rw-"));

        assertThat(SqliteLibrary.kept(dir)).contains(lib);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(lib)))
                .isEqualTo("rw-------");
    }

    @Test
    void a_directory_others_may_write_is_not_used() throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));

        assertThatThrownBy(() -> SqliteLibrary.kept(dir))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("only its owner");
    }

    private static long crc(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes);
        return crc.getValue();
    }
}
