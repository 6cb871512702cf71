package dev.aichatroom.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import dev.aichatroom.testing.ChannelFlushes;
import dev.aichatroom.testing.Mosquitto;
import dev.aichatroom.testing.TestMqtt;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The product's connection on Debian's Mosquitto. */
@Timeout(60)
class MqttConnectionIT {
    @Test
    void publishes_the_client_library_refuses_give_their_permit_back() throws Exception {
        try (Mosquitto mosquitto = Mosquitto.start(false);
                MqttConnection connection = connectionTo(mosquitto, "permits-it");
                TestMqtt reader = TestMqtt.connect(mosquitto.port(), "reader").subscribe("ok/#")) {
            connection.start(Duration.ofSeconds(10), () -> {});
            // more refused publishes than there are permits (10,000)
            for (int i = 0; i < 10_050; i++) {
                var refused = connection.publish("bad/\u0000/" + i, new byte[0], false);
                assertThatThrownBy(() -> refused.get(5, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class)
                        .hasCauseInstanceOf(IllegalArgumentException.class);
            }
            connection
                    .publish("ok/after", "still publishing".getBytes(StandardCharsets.UTF_8), false)
                    .get(10, TimeUnit.SECONDS);
            assertThat(reader.await("ok/after", r -> true).text()).isEqualTo("still publishing");
        }
    }

    /**
     * Debian's Mosquitto writes with Nagle's algorithm on (its default {@code set_tcp_nodelay false}): it sends a small
     * packet only once the one before it has been acknowledged. The service answers an input with an output, so its
     * kernel delays its acknowledgements to put them on its next packet; after the broker's PUBACK of that output the
     * next input then waited for the delayed acknowledgement's timer (40 ms): chat at QoS 0 had a 24 ms median on
     * Mosquitto (issue 13, decision 0044). Once it has read what the broker sent, the connection must not be left in
     * that delayed mode.
     */
    @Test
    void acknowledges_what_the_broker_sent_at_once_after_answering_an_input() throws Exception {
        try (Mosquitto mosquitto = Mosquitto.start(false);
                MqttConnection connection = connectionTo(mosquitto, "quick-acks-it");
                TestMqtt device = TestMqtt.connect(mosquitto.port(), "device")) {
            BlockingQueue<CompletableFuture<Void>> outputs = new LinkedBlockingQueue<>();
            connection.subscribe("in/#", input -> {
                // an output right after its input, as the chat service does: the kernel sees an answer
                outputs.add(connection.publish("out/x", input.payload(), false));
                input.acknowledge();
            });
            connection.start(Duration.ofSeconds(10), () -> {});
            Channel channel = connection.channel().orElseThrow();
            ChannelOption<Boolean> quickAck = QuickAcks.optionOf(channel).orElseThrow();
            for (int i = 0; i < 5; i++) {
                device.client()
                        .publishWith()
                        .topic("in/" + i)
                        .qos(MqttQos.AT_MOST_ONCE)
                        .payload(("input " + i).getBytes(StandardCharsets.UTF_8))
                        .send();
                outputs.poll(10, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS); // its PUBACK has been read
                // once the connection has settled after that read (nothing more to write): does the socket acknowledge
                // at once, or delay?
                boolean atOnce = false;
                for (int tries = 0; tries < 500; tries++) {
                    Optional<Boolean> settled = channel.eventLoop()
                            .submit(() -> {
                                QuickAcks acks = (QuickAcks) channel.pipeline().get(QuickAcks.NAME);
                                return acks == null || acks.pending()
                                        ? Optional.<Boolean>empty()
                                        : Optional.of(channel.config().getOption(quickAck));
                            })
                            .get(10, TimeUnit.SECONDS);
                    if (settled.isPresent()) {
                        atOnce = settled.get();
                        break;
                    }
                    Thread.sleep(10);
                }
                assertThat(atOnce)
                        .as("TCP_QUICKACK after output %d's PUBACK was read (false: delayed acknowledgements)", i)
                        .isTrue();
            }
        }
    }

    /**
     * HiveMQ's client flushes every packet on its own: the acknowledgements of a batch of inputs, handed over together
     * as the chat worker does after a commit, were one system call each (issue 13). Written while the event loop is busy,
     * they must leave in one flush (or a few).
     */
    @Test
    void acknowledgements_given_together_leave_in_one_write() throws Exception {
        int inputs = 50;
        try (Mosquitto mosquitto = Mosquitto.start(false);
                MqttConnection connection = connectionTo(mosquitto, "flushes-it");
                TestMqtt device = TestMqtt.connect(mosquitto.port(), "device")) {
            BlockingQueue<Inbound> received = new LinkedBlockingQueue<>();
            connection.subscribe("in/#", received::add);
            connection.start(Duration.ofSeconds(10), () -> {});
            for (int i = 0; i < inputs; i++) {
                device.client()
                        .publishWith()
                        .topic("in/" + i)
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(("input " + i).getBytes(StandardCharsets.UTF_8))
                        .send();
            }
            List<Inbound> batch = new ArrayList<>();
            while (batch.size() < inputs) {
                Inbound input = received.poll(10, TimeUnit.SECONDS);
                assertThat(input).as("input %d", batch.size()).isNotNull();
                batch.add(input);
            }
            Channel channel = connection.channel().orElseThrow();
            ChannelFlushes flushes = ChannelFlushes.count(channel);
            // the event loop busy while the acknowledgements are handed over, as when it reads the next inputs
            CountDownLatch busy = flushes.holdEventLoop();
            batch.forEach(Inbound::acknowledge);
            busy.countDown();
            // the acknowledgements' tasks ran, then the flush they left for the end of the event loop's queue
            flushes.settle();
            assertThat(flushes.flushes())
                    .as("flushes for %d acknowledgements", inputs)
                    .isBetween(1, 3);
        }
    }

    /** The product's connection to {@code mosquitto}: no session kept once it closes, Receive Maximum 100, no TLS. */
    private static MqttConnection connectionTo(Mosquitto mosquitto, String clientId) {
        return new MqttConnection(mosquitto.settings(clientId));
    }
}
