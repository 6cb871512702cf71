package dev.aichatroom.bench;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.ActiveMQServers;
import org.apache.activemq.artemis.core.server.JournalType;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;

/**
 * The fault part's durable broker: an ActiveMQ Artemis server with one MQTT listener on loopback and its journal
 * synced to disk ({@code fdatasync}) before it acknowledges a persistent message, in a process of its own so that it
 * can be killed. Run with the product jar (which holds Artemis) ahead of the bench's on the class path:
 * {@code java -cp ai-chatroom.jar:ai-chatroom-bench.jar dev.aichatroom.bench.ArtemisBroker PORT DIR}.
 */
public final class ArtemisBroker {
    private ArtemisBroker() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: ArtemisBroker PORT DIR");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        String dir = Path.of(args[1]).toAbsolutePath().toString();
        Configuration c = new ConfigurationImpl()
                .setName("fault-bench")
                .setPersistenceEnabled(true)
                .setJournalType(JournalType.NIO)
                .setJournalDatasync(true)
                .setJournalDirectory(dir + "/journal")
                .setBindingsDirectory(dir + "/bindings")
                .setPagingDirectory(dir + "/paging")
                .setLargeMessagesDirectory(dir + "/large-messages")
                .setNodeManagerLockDirectory(dir)
                .setSecurityEnabled(false)
                .setJMXManagementEnabled(false)
                .setCriticalAnalyzer(false)
                // not Artemis' 90 % of the disk, which a large disk that is 90 % full reaches with tens of GB free
                .setMaxDiskUsage(-1)
                .setMinDiskFree(512L * 1024 * 1024);
        // where undeliverable or expired messages would go, named so that Artemis does not warn on every queue
        c.addAddressSetting(
                "#",
                new AddressSettings()
                        .setDeadLetterAddress(SimpleString.of("$sys.dla"))
                        .setExpiryAddress(SimpleString.of("$sys.expired")));
        c.addAcceptorConfiguration("mqtt", "tcp://127.0.0.1:" + port + "?protocols=MQTT");
        ActiveMQServer server = ActiveMQServers.newActiveMQServer(c, true);
        server.start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            try {
                server.stop();
            } catch (Exception e) {
                System.err.println("ArtemisBroker: stop failed: " + e);
            }
            stopped.countDown();
        }));
        System.out.println("ArtemisBroker: listening on 127.0.0.1:" + port + ", journal in " + dir);
        stopped.await();
    }
}
