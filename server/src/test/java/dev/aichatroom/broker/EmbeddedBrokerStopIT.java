package dev.aichatroom.broker;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import dev.aichatroom.testing.FreePorts;
import dev.aichatroom.testing.TestMqtt;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Stopping the embedded broker right after clients replaced retained messages (what the product's own services do as
 * they shut down: presence cleared, member list rewritten) finishes that work first, so Artemis logs no journal
 * errors and the replaced messages are deleted, not resurrected at the next start.
 */
@Timeout(60)
class EmbeddedBrokerStopIT {
    private final ListAppender<ILoggingEvent> artemisLog = new ListAppender<>();
    private final Logger artemis = (Logger) LoggerFactory.getLogger("org.apache.activemq.artemis");

    @TempDir
    Path dataDir;

    @BeforeEach
    void watchArtemis() {
        artemisLog.start();
        artemis.addAppender(artemisLog);
    }

    @AfterEach
    void unwatch() {
        artemis.detachAppender(artemisLog);
    }

    private EmbeddedBroker broker(int port) {
        BrokerConfig config = new BrokerConfig("127.0.0.1", port, 0, dataDir, Map.of(), Optional.empty());
        EmbeddedBroker broker =
                new EmbeddedBroker(config, AccessPolicy.openToAll(), List.of(), ClientListener.NONE, List.of());
        broker.start();
        return broker;
    }

    @RepeatedTest(4)
    void stopping_right_after_retained_messages_were_replaced_logs_no_journal_errors_and_loses_no_acknowledged_clear() {
        int port = FreePorts.next();
        EmbeddedBroker broker = broker(port);
        List<CompletableFuture<Mqtt5PublishResult>> clears = new ArrayList<>();
        try (TestMqtt client = TestMqtt.connect(port, "stopper")) {
            for (int i = 0; i < 20; i++) {
                client.publishRetained("presence/" + (i % 4), "{\"online\":" + i + "}");
            }
            for (int i = 0; i < 4; i++) { // as a client that stops does: clears its presence and disconnects at once
                clears.add(client.client()
                        .toAsync()
                        .publishWith()
                        .topic("presence/" + i)
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .retain(true)
                        .send());
            }
        }
        broker.close();

        assertThat(artemisLog.list)
                .filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .extracting(ILoggingEvent::getFormattedMessage)
                .isEmpty();

        // a clear the broker acknowledged stays cleared after a restart
        List<String> acknowledged = new ArrayList<>();
        for (int i = 0; i < clears.size(); i++) {
            if (clears.get(i).isDone() && !clears.get(i).isCompletedExceptionally()) {
                acknowledged.add("presence/" + i);
            }
        }
        broker = broker(port);
        try (TestMqtt late = TestMqtt.connect(port, "late").subscribe("presence/#")) {
            late.publishRetained("marker", "x");
            late.subscribe("marker");
            late.await("marker", r -> true);
            assertThat(late.on("presence/#"))
                    .extracting(TestMqtt.Received::topic)
                    .noneMatch(acknowledged::contains);
        } finally {
            broker.close();
        }
    }
}
