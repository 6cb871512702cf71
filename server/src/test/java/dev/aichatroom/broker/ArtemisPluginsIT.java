package dev.aichatroom.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import dev.aichatroom.testing.Bursts;
import dev.aichatroom.testing.FreePorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.activemq.artemis.core.config.FileDeploymentManager;
import org.apache.activemq.artemis.core.config.impl.FileConfiguration;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.impl.ActiveMQServerImpl;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A standalone ActiveMQ Artemis, configured from a {@code broker.xml} as docs/deployment.md tells operators to, with
 * the product's two broker plugins and nothing else of the product: racing first publishes to new topics all reach
 * their subscribers (decision 0039; without the plugins 2+ of 800 were lost here) and one publisher's order is kept
 * (decision 0032; a standalone Artemis in a process of its own put 963 of 20,000 behind a later one with stock clients,
 * but this in-process broker kept the order of 4,000 and 10,000 without the plugins too, so that test guards and does
 * not prove it: PublisherOrderIT does, on the embedded broker). The plugins' jar holds only their package
 * (ArchitectureTest).
 */
@Timeout(240)
class ArtemisPluginsIT {
    @TempDir
    static Path dir;

    private static ActiveMQServer server;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        port = FreePorts.next();
        String data = dir.toAbsolutePath().toString();
        Path xml = dir.resolve("broker.xml");
        Files.writeString(xml, """
                <configuration xmlns="urn:activemq">
                  <core xmlns="urn:activemq:core">
                    <name>standalone</name>
                    <persistence-enabled>true</persistence-enabled>
                    <journal-type>NIO</journal-type>
                    <journal-datasync>true</journal-datasync>
                    <paging-directory>%1$s/paging</paging-directory>
                    <bindings-directory>%1$s/bindings</bindings-directory>
                    <journal-directory>%1$s/journal</journal-directory>
                    <large-messages-directory>%1$s/large</large-messages-directory>
                    <node-manager-lock-directory>%1$s</node-manager-lock-directory>
                    <security-enabled>false</security-enabled>
                    <jmx-management-enabled>false</jmx-management-enabled>
                    <critical-analyzer>false</critical-analyzer>
                    <max-disk-usage>-1</max-disk-usage>
                    <min-disk-free>512MiB</min-disk-free>
                    <acceptors>
                      <acceptor name="mqtt">tcp://127.0.0.1:%2$d?protocols=MQTT</acceptor>
                    </acceptors>
                    <broker-plugins>
                      <broker-plugin class-name="dev.aichatroom.broker.artemis.PublisherOrder"/>
                      <broker-plugin class-name="dev.aichatroom.broker.artemis.NewAddressRouting"/>
                    </broker-plugins>
                  </core>
                </configuration>
                """.formatted(data, port));
        FileConfiguration configuration = new FileConfiguration();
        FileDeploymentManager deployment = new FileDeploymentManager(xml.toUri().toString());
        deployment.addDeployable(configuration);
        deployment.readConfiguration();
        server = new ActiveMQServerImpl(configuration);
        server.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void each_publishers_burst_reaches_a_subscriber_in_the_order_it_was_sent() throws Exception {
        assertBurstsKeepEachPublishersOrder(port);
    }

    /** 4 publishers send 1,000 QoS 1 messages each to one topic: each arrives once, none behind a later one. */
    static void assertBurstsKeepEachPublishersOrder(int port) throws Exception {
        int publishers = 4;
        int each = 1_000;
        List<String> received = new CopyOnWriteArrayList<>();
        Mqtt5BlockingClient subscriber = Bursts.subscriber(port, "order-subscriber", "order/topic", received::add);
        Bursts.publishAll(port, "order-pub-", "order/topic", publishers, each, (p, i) -> p + ":" + i);
        await().atMost(Duration.ofSeconds(120)).until(() -> received.size() >= publishers * each);
        subscriber.disconnect();
        assertThat(received).as("each once").hasSize(publishers * each).doesNotHaveDuplicates();
        assertThat(Bursts.behindALaterOne(received))
                .as("messages delivered behind a later one of the same publisher")
                .isZero();
    }

    @Test
    void publishes_that_race_to_a_new_topic_all_reach_the_wildcard_subscribers() throws Exception {
        FirstPublishRoutingIT.assertRacingPublishesReachEveryWildcard(port);
    }
}
