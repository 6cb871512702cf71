package dev.aichatroom.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import dev.aichatroom.testing.Processes;
import dev.aichatroom.testing.Requirements;
import dev.aichatroom.testing.TempDirs;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.io.RandomAccessFile;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * The embedded broker on a nearly full disk (decision 0038), on a file system of its own: a sparse 10 GiB ext4 image
 * mounted through a loop device, filled with {@code fallocate} (which writes nothing), so the test needs root and
 * costs no real disk space.
 *
 * <ul>
 *   <li>Over 90 % used with more than 512 MiB free, chat works (Artemis' default, 90 %, blocked every publish there).
 *   <li>Below 512 MiB free, a chat input is refused with PUBACK 0x87 and the client keeps its connection (Artemis by
 *       itself cut the connection of every client that published and logged an error with a stack trace each time),
 *       and {@code /health} says why with 503.
 *   <li>Space freed, everything works again by itself, with nothing restarted.
 * </ul>
 */
@Timeout(180)
class DiskFloorIT {
    private static final long MIB = 1024L * 1024;

    private Path dir;
    private Path mount;
    private boolean mounted;

    @BeforeEach
    void mountSmallDisk() throws Exception {
        boolean root = "root".equals(System.getProperty("user.name"));
        Requirements.assume(
                root
                        && Files.isExecutable(Path.of("/usr/sbin/mkfs.ext4"))
                        && Files.exists(Path.of("/dev/loop-control")),
                "needs root, mkfs.ext4 and loop devices to mount a small file system");
        dir = TempDirs.create("disk-floor");
        Path image = dir.resolve("disk.img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(10L * 1024 * MIB); // sparse
        }
        Processes.run(List.of("/usr/sbin/mkfs.ext4", "-q", "-F", "-m", "0", image.toString()));
        mount = Files.createDirectories(dir.resolve("mnt"));
        Processes.run(List.of("mount", "-o", "loop", image.toString(), mount.toString()));
        mounted = true;
    }

    @AfterEach
    void unmount() {
        if (mounted) {
            Processes.run(List.of("umount", "-l", mount.toString()));
        }
        if (dir != null) {
            TempDirs.delete(dir);
        }
    }

    @Test
    void refuses_publishes_cleanly_below_512_mib_free_and_recovers_by_itself_once_space_is_freed() throws Exception {
        Path data = Files.createDirectories(mount.resolve("data"));
        leaveFree(mount.resolve("filler-1"), 900 * MIB);
        try (TestProduct product = TestProduct.start(Map.of("DATA_DIR", data.toString()));
                TestMqtt device = TestMqtt.connect(product.mqttPort(), "disk-device");
                TestMqtt reader =
                        TestMqtt.connect(product.mqttPort(), "disk-reader").subscribe("chatroom/messages/out")) {
            FileStore disk = Files.getFileStore(mount);
            double used = 1.0 - (double) disk.getUsableSpace() / disk.getTotalSpace();
            assertThat(used)
                    .as("share of the disk used: beyond Artemis' default limit")
                    .isGreaterThan(0.90);
            assertThat(disk.getUsableSpace()).isGreaterThan(600 * MIB);
            assertThat(device.tryPublish("chatroom/messages/in", input("with room to spare")))
                    .isEmpty();
            reader.await("chatroom/messages/out", r -> r.text().contains("with room to spare"));
            assertThat(product.get("/health").statusCode()).isEqualTo(200);

            ListAppender<ILoggingEvent> log = new ListAppender<>();
            Logger rootLogger = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            log.start();
            rootLogger.addAppender(log);
            try {
                Path filler = mount.resolve("filler-2");
                leaveFree(filler, 300 * MIB);
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> product.get("/health").statusCode() == 503);
                assertThat(product.get("/health").body()).contains("below the broker's floor of 512 MiB");
                Optional<Mqtt5PubAckReasonCode> refused =
                        device.tryPublish("chatroom/messages/in", input("on a full disk"));
                assertThat(refused).contains(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
                assertThat(device.client().getState().isConnected())
                        .as("the device keeps its connection")
                        .isTrue();
                assertThat(log.list)
                        .as("nothing logged at ERROR, and no stack trace, for a publish refused on a full disk")
                        .noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.ERROR) || e.getThrowableProxy() != null);

                Files.delete(filler);
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> product.get("/health").statusCode() == 200);
            } finally {
                rootLogger.detachAppender(log);
            }
            assertThat(device.tryPublish("chatroom/messages/in", input("space freed")))
                    .isEmpty();
            reader.await("chatroom/messages/out", r -> r.text().contains("space freed"));
            assertThat(reader.on("chatroom/messages/out"))
                    .noneMatch(r -> r.text().contains("on a full disk"));
        }
    }

    private static String input(String text) {
        return "{\"client_id\":\"disk-device\",\"username\":\"disk\",\"message\":\"" + text + "\"}";
    }

    /** Allocates (without writing) what leaves {@code free} bytes usable on the disk of {@code file}. */
    private static void leaveFree(Path file, long free) throws Exception {
        long usable = Files.getFileStore(file.getParent()).getUsableSpace();
        assertThat(usable).isGreaterThan(free);
        Processes.run(List.of("fallocate", "-l", Long.toString(usable - free), file.toString()));
    }
}
