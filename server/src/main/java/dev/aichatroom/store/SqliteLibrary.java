package dev.aichatroom.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SQLite's native library kept extracted in a private directory under DATA_DIR ({@code DATA_DIR/native}, owner only),
 * instead of sqlite-jdbc unpacking it to the temporary directory on every start, comparing it byte by byte and
 * sweeping that directory for old copies (about 0.1 s of CPU per start, issue 13). The kept file is used only while
 * its size and CRC-32 match the jar entry's (the jar's own checksum, from its directory: nothing is unpacked to check)
 * and neither it nor its directory can be written by anyone but the owner; otherwise it is written again, to a
 * temporary file moved into place. Where the library is not in a jar on Linux x86_64 (the platform the product's jar
 * carries it for), sqlite-jdbc does as before.
 */
public final class SqliteLibrary {
    private static final Logger LOG = LoggerFactory.getLogger(SqliteLibrary.class);
    static final String RESOURCE = "org/sqlite/native/Linux/x86_64/libsqlitejdbc.so";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OTHERS_WRITE =
            Set.of(PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);

    private SqliteLibrary() {}

    /**
     * Points sqlite-jdbc at the library kept under {@code dataDir} (writing it first if needed) unless the library is
     * loaded already or an operator set {@code org.sqlite.lib.path}; any problem leaves sqlite-jdbc to its own way.
     */
    public static void keepIn(Path dataDir) {
        if (System.getProperty("org.sqlite.lib.path") != null || !linuxX86()) {
            return;
        }
        try {
            kept(dataDir.resolve("native")).ifPresent(lib -> {
                System.setProperty("org.sqlite.lib.path", lib.getParent().toString());
                System.setProperty("org.sqlite.lib.name", lib.getFileName().toString());
                // sqlite-jdbc sweeps this directory for old extracted copies before loading: a small one
                System.setProperty("org.sqlite.tmpdir", lib.getParent().toString());
            });
        } catch (IOException | UncheckedIOException | SecurityException e) {
            LOG.warn("SQLite's native library is unpacked to the temporary directory: {}", e.toString());
        }
    }

    /** The library in {@code dir}, written there if absent or not the jar's; empty where it is not in a jar. */
    static Optional<Path> kept(Path dir) throws IOException {
        URL url = SqliteLibrary.class.getClassLoader().getResource(RESOURCE);
        if (url == null) {
            return Optional.empty();
        }
        URLConnection connection = url.openConnection();
        if (!(connection instanceof JarURLConnection jar)) {
            return Optional.empty();
        }
        JarEntry entry = jar.getJarEntry();
        long crc = entry.getCrc();
        long size = entry.getSize();
        if (crc < 0 || size < 0) {
            return Optional.empty();
        }
        privateDirectory(dir);
        Path lib = dir.resolve("libsqlitejdbc-" + Long.toHexString(crc) + "-" + size + ".so");
        if (!matches(lib, crc, size)) {
            write(jar, lib, crc, size);
        }
        return Optional.of(lib);
    }

    private static void privateDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        }
        PosixFileAttributes attributes =
                Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!attributes.isDirectory() || !ownedByMe(attributes) || writableByOthers(attributes)) {
            throw new IOException(dir + " is not a directory only its owner (this process's user) can write");
        }
    }

    private static boolean matches(Path lib, long crc, long size) throws IOException {
        if (!Files.exists(lib, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        PosixFileAttributes attributes =
                Files.readAttributes(lib, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!attributes.isRegularFile()
                || !ownedByMe(attributes)
                || writableByOthers(attributes)
                || attributes.size() != size) {
            LOG.info("SQLite's native library in {} is not the jar's: writing it again", lib.getParent());
            return false;
        }
        if (crc(lib) != crc) {
            LOG.info("SQLite's native library in {} differs from the jar's: writing it again", lib.getParent());
            return false;
        }
        return true;
    }

    private static void write(JarURLConnection jar, Path lib, long crc, long size) throws IOException {
        Path part = Files.createTempFile(
                lib.getParent(),
                ".libsqlitejdbc",
                ".part",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            // into the owner-only file created above (Files.copy would replace it with one of default permissions)
            try (InputStream in = jar.getInputStream();
                    FileChannel channel = FileChannel.open(part, StandardOpenOption.WRITE)) {
                in.transferTo(java.nio.channels.Channels.newOutputStream(channel));
                channel.force(true);
            }
            if (Files.size(part) != size || crc(part) != crc) {
                throw new IOException("the copy of " + RESOURCE + " does not match the jar's checksum");
            }
            try {
                Files.move(part, lib, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(part, lib, StandardCopyOption.REPLACE_EXISTING);
            }
            LOG.info("SQLite's native library kept in {}", lib.getParent());
        } finally {
            Files.deleteIfExists(part);
        }
    }

    static long crc(Path file) throws IOException {
        CRC32 crc = new CRC32();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(256 * 1024);
            while (channel.read(buffer) >= 0) {
                buffer.flip();
                crc.update(buffer);
                buffer.clear();
            }
        }
        return crc.getValue();
    }

    /** Owned by this process's user: the owner of {@code /proc/self} (Linux, the only platform this runs on). */
    private static boolean ownedByMe(PosixFileAttributes attributes) throws IOException {
        return attributes.owner().equals(Files.getOwner(Path.of("/proc/self")));
    }

    private static boolean writableByOthers(PosixFileAttributes attributes) {
        return attributes.permissions().stream().anyMatch(OTHERS_WRITE::contains);
    }

    private static boolean linuxX86() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).equals("linux")
                && Set.of("amd64", "x86_64").contains(System.getProperty("os.arch", ""));
    }
}
