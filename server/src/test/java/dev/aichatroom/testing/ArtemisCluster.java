package dev.aichatroom.testing;

import dev.aichatroom.broker.artemis.NewAddressRouting;
import dev.aichatroom.broker.artemis.PublisherOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.config.ClusterConnectionConfiguration;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.ActiveMQServers;
import org.apache.activemq.artemis.core.server.cluster.ClusterConnection;
import org.apache.activemq.artemis.core.server.cluster.impl.MessageLoadBalancingType;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.awaitility.Awaitility;

/**
 * A real multi-node MQTT broker: two (or more) ActiveMQ Artemis servers in this JVM, clustered over core
 * connections with static connectors and {@code ON_DEMAND} load balancing, each with an MQTT listener on a free
 * loopback port. A message published on one node reaches subscribers on every node; retained messages stay on the
 * node they were published on (that is Artemis' design, and what the product must live with).
 */
public final class ArtemisCluster implements AutoCloseable {
    private final List<ActiveMQServer> nodes;
    private final List<Integer> mqttPorts;

    private ArtemisCluster(List<ActiveMQServer> nodes, List<Integer> mqttPorts) {
        this.nodes = nodes;
        this.mqttPorts = mqttPorts;
    }

    /** Starts {@code size} nodes and waits until each has a bridge to every other one. */
    public static ArtemisCluster start(int size) {
        List<Integer> corePorts = new ArrayList<>();
        List<Integer> mqttPorts = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            corePorts.add(FreePorts.next());
            mqttPorts.add(FreePorts.next());
        }
        List<ActiveMQServer> nodes = new ArrayList<>();
        ArtemisCluster cluster = new ArtemisCluster(nodes, mqttPorts);
        try {
            for (int i = 0; i < size; i++) {
                ActiveMQServer node = ActiveMQServers.newActiveMQServer(configuration(i, corePorts, mqttPorts), false);
                nodes.add(node);
                node.start();
            }
            Awaitility.await()
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> nodes.stream().allMatch(n -> bridged(n, size - 1)));
            return cluster;
        } catch (Exception e) {
            cluster.close();
            throw new IllegalStateException("the Artemis cluster did not start: " + e, e);
        }
    }

    private static boolean bridged(ActiveMQServer node, int peers) {
        return node.getClusterManager().getClusterConnections().stream()
                .allMatch(c -> c.getNodes().size() >= peers);
    }

    private static Configuration configuration(int index, List<Integer> corePorts, List<Integer> mqttPorts)
            throws Exception {
        Path dir = Files.createTempDirectory("artemis-node-" + index);
        Configuration c = new ConfigurationImpl()
                .setName("node-" + index)
                .setPersistenceEnabled(false)
                .setSecurityEnabled(false)
                .setJMXManagementEnabled(false)
                .setCriticalAnalyzer(false)
                // not Artemis' 90 % of the disk, which a large disk that is 90 % full reaches with tens of GB free
                .setMaxDiskUsage(-1)
                .setMinDiskFree(512L * 1024 * 1024)
                .setMqttSessionScanInterval(500)
                .setJournalDirectory(dir.resolve("journal").toString())
                .setBindingsDirectory(dir.resolve("bindings").toString())
                .setPagingDirectory(dir.resolve("paging").toString())
                .setLargeMessagesDirectory(dir.resolve("large-messages").toString())
                .setNodeManagerLockDirectory(dir.toString())
                .setClusterUser("cluster")
                .setClusterPassword("cluster-secret");
        // what docs/deployment.md tells operators of an Artemis cluster to install (decisions 0032, 0039)
        c.registerBrokerPlugin(new PublisherOrder());
        c.registerBrokerPlugin(new NewAddressRouting());
        c.addAcceptorConfiguration("core", "tcp://127.0.0.1:" + corePorts.get(index) + "?protocols=CORE");
        c.addAcceptorConfiguration("mqtt", "tcp://127.0.0.1:" + mqttPorts.get(index) + "?protocols=MQTT");
        c.addConnectorConfiguration("self", "tcp://127.0.0.1:" + corePorts.get(index));
        List<String> peers = new ArrayList<>();
        for (int i = 0; i < corePorts.size(); i++) {
            if (i != index) {
                c.addConnectorConfiguration("peer-" + i, "tcp://127.0.0.1:" + corePorts.get(i));
                peers.add("peer-" + i);
            }
        }
        c.addClusterConfiguration(new ClusterConnectionConfiguration()
                .setName("cluster")
                .setAddress("")
                .setConnectorName("self")
                .setMessageLoadBalancingType(MessageLoadBalancingType.ON_DEMAND)
                .setMaxHops(1)
                .setRetryInterval(200)
                .setStaticConnectors(peers));
        // redistribution: a shared subscription's messages follow its consumers to the other node
        c.addAddressSetting(
                "#",
                new AddressSettings()
                        .setRedistributionDelay(0)
                        .setDeadLetterAddress(SimpleString.of("$sys.dla"))
                        .setExpiryAddress(SimpleString.of("$sys.expired")));
        return c;
    }

    /** The MQTT port of node {@code index} (0-based). */
    public int mqttPort(int index) {
        return mqttPorts.get(index);
    }

    public int size() {
        return nodes.size();
    }

    /** Whether every node sees every other one (after a node stopped, the others report it gone). */
    public List<ClusterConnection> connections(int index) {
        return List.copyOf(nodes.get(index).getClusterManager().getClusterConnections());
    }

    @Override
    public void close() {
        for (ActiveMQServer node : nodes.reversed()) {
            try {
                node.stop();
            } catch (Exception e) {
                // keep stopping the others
            }
        }
    }
}
