package dev.aichatroom.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aichatroom.testing.ChannelFlushes;
import dev.aichatroom.testing.TestMqtt;
import io.netty.channel.Channel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Artemis writes and flushes every MQTT packet on its own, from the threads that deliver messages: a subscriber of a
 * busy topic cost the broker one system call (and the subscriber one read) per message (issue 13). Deliveries that
 * wait for a connection's event loop must leave in one write.
 */
@Timeout(60)
class BrokerFlushesIT {
    private static final int MESSAGES = 50;

    @TempDir
    Path dataDir;

    @Test
    void deliveries_queued_for_a_busy_connection_leave_in_one_write() throws Exception {
        try (OpenBroker open = OpenBroker.tcp(dataDir);
                TestMqtt subscriber = TestMqtt.connect(open.port(), "flush-sub").subscribe("flush/#")) {
            EmbeddedBroker broker = open.broker();
            Channel channel = await().atMost(Duration.ofSeconds(10))
                    .until(() -> broker.channelOf("flush-sub"), java.util.Optional::isPresent)
                    .orElseThrow();
            // a publisher on another event loop: its messages are routed while the subscriber's loop is busy
            List<TestMqtt> publishers = new ArrayList<>();
            try {
                TestMqtt publisher = null;
                for (int i = 0; i < 8 && publisher == null; i++) {
                    String id = "flush-pub-" + i;
                    TestMqtt candidate = TestMqtt.connect(open.port(), id);
                    publishers.add(candidate);
                    Channel theirs = await().atMost(Duration.ofSeconds(10))
                            .until(() -> broker.channelOf(id), java.util.Optional::isPresent)
                            .orElseThrow();
                    if (theirs.eventLoop() != channel.eventLoop()) {
                        publisher = candidate;
                    }
                }
                assertThat(publisher).as("a publisher on another event loop").isNotNull();

                ChannelFlushes flushes = ChannelFlushes.count(channel);
                CountDownLatch busy = flushes.holdEventLoop();
                for (int i = 0; i < MESSAGES; i++) {
                    publisher.publish("flush/" + i, "m" + i); // QoS 1: routed once acknowledged
                }
                // the deliveries are handed to the subscriber's event loop, which is still busy
                await().pollDelay(Duration.ofMillis(500))
                        .atMost(Duration.ofSeconds(10))
                        .until(() -> true);
                busy.countDown();
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> subscriber.on("flush/" + (MESSAGES - 1)).size() == 1);
                flushes.settle();
                assertThat(flushes.flushes())
                        .as("flushes for %d deliveries", MESSAGES)
                        .isBetween(1, 3);
                for (int i = 0; i < MESSAGES; i++) {
                    assertThat(subscriber.on("flush/" + i)).as("message %d", i).hasSize(1);
                }
            } finally {
                publishers.forEach(TestMqtt::close);
            }
        }
    }
}
