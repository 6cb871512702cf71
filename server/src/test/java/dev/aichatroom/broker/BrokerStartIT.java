package dev.aichatroom.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aichatroom.testing.FreePorts;
import dev.aichatroom.testing.TestMqtt;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What the embedded broker's start costs the process (issue 13: start-up ≤ 2 s). */
@Timeout(120)
class BrokerStartIT {
    @TempDir
    Path dataDir;

    @Test
    void the_broker_starts_without_the_platforms_mbean_server_and_serves_clients() throws Exception {
        BrokerConfig config = new BrokerConfig("127.0.0.1", FreePorts.next(), -1, dataDir, Map.of(), Optional.of(true));
        try (EmbeddedBroker broker =
                new EmbeddedBroker(config, AccessPolicy.openToAll(), List.of(), ClientListener.NONE, List.of())) {
            broker.start();
            // the platform's MBean server registers every JVM MXBean when first asked for: 0.15 s of CPU at start
            assertThat(broker.mbeanServer()).isNotSameAs(ManagementFactory.getPlatformMBeanServer());
            assertThat(ManagementFactory.getPlatformMBeanServer()
                            .queryNames(new ObjectName("org.apache.activemq.artemis:*"), null))
                    .isEmpty();
            try (TestMqtt client =
                    TestMqtt.connect(config.port(), "start-probe").subscribe("probe/#")) {
                client.publish("probe/1", "{}");
                assertThat(client.await("probe/1", r -> true).text()).isEqualTo("{}");
            }
        }
    }
}
