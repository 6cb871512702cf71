package dev.aichatroom.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aichatroom.testing.FreePorts;
import dev.aichatroom.testing.TempDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The product's broker plugins in the standalone ActiveMQ Artemis that operators download: the 2.40.0 distribution
 * ({@code org.apache.activemq:apache-artemis:2.40.0:zip:bin}, the newest on Maven Central; unpacked by the build),
 * an instance made with its own {@code artemis create}, the plugins' jar in its {@code lib/} and the two
 * {@code <broker-plugin>} lines of docs/deployment.md, run in a process of its own. The plugins are compiled against
 * Artemis 2.55: a method 2.40 lacks fails only when it is called, and Artemis logs it and goes on without the plugin's
 * work (this happened: {@code WildcardConfiguration.isWild}), hence the check of the broker's log. Without the plugins
 * this distribution lost 11–76 of 800 racing first publishes per run to at least one wildcard subscriber (3 runs by
 * hand, stock paho clients, 2026-12-05); the control is not repeated here to keep the suite short.
 */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ArtemisDistributionIT {
    private static final Path HOME = Path.of("target/artemis-distribution/apache-artemis-2.40.0");

    private static Path dir;
    private static Path log;
    private static Process broker;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        assertThat(HOME.resolve("bin/artemis"))
                .as("the distribution, unpacked by the build")
                .exists();
        dir = TempDirs.create("artemis-2.40-");
        port = FreePorts.next();
        Path instance = dir.resolve("broker");
        run(List.of(
                "sh",
                HOME.resolve("bin/artemis").toAbsolutePath().toString(),
                "create",
                instance.toString(),
                "--user=admin",
                "--password=" + java.util.UUID.randomUUID(),
                "--allow-anonymous",
                "--silent",
                "--no-web",
                "--no-autotune",
                "--no-amqp-acceptor",
                "--no-hornetq-acceptor",
                "--no-mqtt-acceptor",
                "--no-stomp-acceptor",
                "--default-port=" + port));
        Path xml = instance.resolve("etc/broker.xml");
        String config = Files.readString(xml)
                .replace("tcp://0.0.0.0:" + port, "tcp://127.0.0.1:" + port)
                // the disk here is more than 90 % full with gigabytes free: Artemis' default would block every producer
                .replaceFirst(
                        "<max-disk-usage>\\d+</max-disk-usage>",
                        "<max-disk-usage>-1</max-disk-usage><min-disk-free>512MiB</min-disk-free>");
        int end = config.lastIndexOf("</core>");
        config = config.substring(0, end) + """
                  <broker-plugins>
                     <broker-plugin class-name="dev.aichatroom.broker.artemis.PublisherOrder"/>
                     <broker-plugin class-name="dev.aichatroom.broker.artemis.NewAddressRouting"/>
                  </broker-plugins>
                """ + config.substring(end);
        assertThat(config).contains("tcp://127.0.0.1:" + port);
        Files.writeString(xml, config);
        Files.copy(
                pluginsJar(),
                instance.resolve("lib/aichatroom-artemis-plugins.jar"),
                StandardCopyOption.REPLACE_EXISTING);
        log = dir.resolve("broker.log");
        ProcessBuilder pb = new ProcessBuilder(
                        "sh", instance.resolve("bin/artemis").toString(), "run")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        broker = pb.start();
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> !broker.isAlive() || Files.readString(log).contains("AMQ221007"));
        assertThat(broker.isAlive()).as("the broker runs; its log: %s", log).isTrue();
    }

    @AfterAll
    static void stop() throws Exception {
        if (broker != null) {
            broker.destroy();
            if (!broker.waitFor(30, TimeUnit.SECONDS)) {
                broker.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        if (dir != null) {
            TempDirs.delete(dir);
        }
    }

    @Test
    @Order(1)
    void publishes_that_race_to_a_new_topic_all_reach_the_wildcard_subscribers() throws Exception {
        FirstPublishRoutingIT.assertRacingPublishesReachEveryWildcard(port);
    }

    @Test
    @Order(2)
    void each_publishers_burst_reaches_a_subscriber_in_the_order_it_was_sent() throws Exception {
        ArtemisPluginsIT.assertBurstsKeepEachPublishersOrder(port);
    }

    @Test
    @Order(3)
    void the_broker_ran_both_plugins_without_an_error() throws IOException {
        String text = Files.readString(log);
        assertThat(text).as("the broker's log").doesNotContain("Internal error on plugin");
        assertThat(text).doesNotContain("NoSuchMethodError").doesNotContain("ClassNotFoundException");
        assertThat(text).doesNotContain("NoClassDefFoundError").doesNotContain("AbstractMethodError");
    }

    private static Path pluginsJar() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            return files.filter(p -> p.getFileName().toString().endsWith("-artemis-plugins.jar"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no *-artemis-plugins.jar in target/"));
        }
    }

    private static void run(List<String> command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(out).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }
}
