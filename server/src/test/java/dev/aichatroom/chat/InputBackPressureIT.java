package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client floods chat inputs faster than the service can take them (here the service takes none: its store is
 * locked). Before decision 0028 the embedded broker acknowledged all of them at once and kept them for the service,
 * spending the cores on inputs the service could not get to; now it stops reading the flooding client while more
 * than {@code MQTT_INPUT_BACKLOG} inputs wait (since 0050 they wait in the service, unacknowledged until stored), and
 * nothing is lost or reordered once the service catches up.
 */
@Timeout(240)
class InputBackPressureIT {
    private static final int FLOOD = 20_000;
    private static final int LIMIT = 1_000;

    @Test
    void a_client_flooding_inputs_is_slowed_while_the_service_is_behind_and_loses_nothing() throws Exception {
        try (TestProduct product =
                        TestProduct.start(Map.of("CHAT_RATE_PER_MINUTE", "0", "MQTT_INPUT_BACKLOG", "" + LIMIT));
                TestMqtt observer =
                        TestMqtt.connect(product.mqttPort(), "observer").subscribe("chatroom/messages/out")) {
            Mqtt5AsyncClient flooder =
                    TestMqtt.unconnected(product.mqttPort(), "flooder").toAsync();
            flooder.connect().get(30, TimeUnit.SECONDS);
            AtomicInteger acknowledged = new AtomicInteger();
            AtomicInteger failed = new AtomicInteger();
            String db = "jdbc:sqlite:" + product.dataDir().resolve("chatroom.db");
            try (Connection lock = DriverManager.getConnection(db);
                    Statement st = lock.createStatement()) {
                st.execute("BEGIN EXCLUSIVE"); // the service can store nothing: every input waits for it
                for (int i = 0; i < FLOOD; i++) {
                    String payload = "{\"client_id\":\"flooder\",\"username\":\"f\",\"message\":\"m-" + i + "\"}";
                    flooder.publishWith()
                            .topic("chatroom/messages/in")
                            .qos(MqttQos.AT_LEAST_ONCE)
                            .payload(payload.getBytes(StandardCharsets.UTF_8))
                            .send()
                            .whenComplete((r, e) -> {
                                if (e != null || r.getError().isPresent()) {
                                    failed.incrementAndGet();
                                } else {
                                    acknowledged.incrementAndGet();
                                }
                            });
                }
                // the embedded broker hands inputs to the service in-process and acknowledges each once stored
                // (decision 0050): none is acknowledged while the store is locked, and what the broker takes meanwhile
                // waits in the service
                await().atMost(Duration.ofSeconds(60)).until(() -> product.metric("chat_inputs_taken_total") >= LIMIT);
                // without back-pressure the broker takes thousands a second whatever the service's backlog (it
                // acknowledged from 1,000 to 4,000 in 3.5 s on two cores at load 31 before 0028); with it, past the
                // read that went over the limit (at most 64 KiB, a thousand inputs), the paused client's socket is read
                // once a second, 1 KiB at a time (InputBacklog.MAX_PAUSE, PAUSED_READ_BYTES): about fifteen a second
                await().during(Duration.ofSeconds(8))
                        .atMost(Duration.ofSeconds(10))
                        .until(() -> product.metric("chat_inputs_taken_total") < 4 * LIMIT && acknowledged.get() == 0);
                assertThat(flooder.getState().isConnected())
                        .as("paused, not cut")
                        .isTrue();
                st.execute("ROLLBACK");
            }
            await().atMost(Duration.ofSeconds(180))
                    .until(() -> observer.on("chatroom/messages/out").size() >= FLOOD);
            assertThat(failed.get()).isZero();
            assertThat(acknowledged.get()).isEqualTo(FLOOD);
            List<String> out = observer.on("chatroom/messages/out").stream()
                    .map(r -> r.json().path("content").asText())
                    .toList();
            List<String> sent =
                    IntStream.range(0, FLOOD).mapToObj(i -> "m-" + i).toList();
            // and in the order sent: pausing a socket's reads keeps its bytes in order, and the embedded broker keeps
            // one publisher's order (decision 0032; before it, Artemis 2.55 swapped a few under this flood in each of
            // 3 runs, with or without MQTT_INPUT_BACKLOG)
            assertThat(out).as("each once, in order").containsExactlyElementsOf(sent);
            assertThat(product.storedContents("flooder"))
                    .as("each stored once, in order")
                    .containsExactlyElementsOf(sent);
            flooder.disconnect().get(10, TimeUnit.SECONDS);
        }
    }
}
