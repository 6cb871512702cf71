package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import dev.aichatroom.testing.WireMqtt;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Chat inputs on the embedded broker go straight to the service in the same process, not through a subscription
 * (decision 0050): the broker acknowledges one to its sender only once the service has stored it, and one
 * connection's acknowledgements still come in the order of its publishes (MQTT-4.6.0-2).
 */
@Timeout(120)
class TakenInputsIT {

    @Test
    void an_input_is_acknowledged_only_once_the_service_has_stored_it_and_acknowledgements_keep_their_order()
            throws Exception {
        try (TestProduct product = TestProduct.start(Map.of());
                TestMqtt observer =
                        TestMqtt.connect(product.mqttPort(), "observer").subscribe("chatroom/messages/out")) {
            product.awaitChatRunning(Duration.ofSeconds(30));
            // a bare client that reads every packet itself: the acknowledgements' order is what the broker sent
            try (WireMqtt sender = WireMqtt.open(product.mqttPort(), MqttVersion.MQTT_5, WireMqtt.Mode.MANUAL)) {
                sender.connect(WireMqtt.Connect.of("sender-1"));
                // warm: the path is up and taken in-process
                int before = sender.publish("chatroom/messages/in", input("before"), 1);
                assertThat(ackOf(sender.next(Duration.ofSeconds(10)))).contains(before);
                observer.await("chatroom/messages/out", r -> r.text().contains("before"), Duration.ofSeconds(10));
                assertThat(product.metric("chat_inputs_taken_total"))
                        .as("inputs taken in-process")
                        .isGreaterThanOrEqualTo(1);
                // and the output routed by the broker in-process too, not published on the service's connection (0052)
                assertThat(product.metric("chat_outputs_local_total"))
                        .as("outputs routed in-process")
                        .isEqualTo(product.metric("chat_messages_out_total"))
                        .isGreaterThanOrEqualTo(1);

                int input;
                int other;
                String db = "jdbc:sqlite:" + product.dataDir().resolve("chatroom.db");
                try (Connection lock = DriverManager.getConnection(db);
                        Statement st = lock.createStatement()) {
                    st.execute("BEGIN EXCLUSIVE");
                    input = sender.publish("chatroom/messages/in", input("while locked"), 1);
                    // not a chat input: nothing holds it but its place behind the input
                    other = sender.publish("lab/readings", "{\"t\":21.5}", 1);
                    // past the store's 5 s busy timeout (its first attempt has failed): nothing acknowledged
                    assertThat(sender.next(Duration.ofSeconds(7))).isEmpty();
                    st.execute("ROLLBACK");
                }
                assertThat(ackOf(sender.next(Duration.ofSeconds(30)))).contains(input);
                assertThat(ackOf(sender.next(Duration.ofSeconds(10)))).contains(other);
                observer.await("chatroom/messages/out", r -> r.text().contains("while locked"), Duration.ofSeconds(10));
                assertThat(observer.on("chatroom/messages/out"))
                        .filteredOn(r -> r.text().contains("while locked"))
                        .hasSize(1);
                // the store's transactions and the messages in them (group commit): both inputs, stored once each
                assertThat(product.metric("chat_store_batch_messages_sum"))
                        .as("messages stored")
                        .isEqualTo(2);
                assertThat(product.metric("chat_store_batch_messages_count"))
                        .as("transactions")
                        .isBetween(1.0, 2.0);
            }
        }
    }

    /** The packet id a PUBACK acknowledges; empty for anything else. */
    private static java.util.Optional<Integer> ackOf(java.util.Optional<MqttMessage> packet) {
        return packet.filter(p -> p.fixedHeader().messageType() == MqttMessageType.PUBACK)
                .map(p -> p.variableHeader() instanceof MqttMessageIdVariableHeader id ? id.messageId() : -1);
    }

    private static String input(String text) {
        return "{\"client_id\":\"sender-1\",\"username\":\"u\",\"message\":\"" + text + "\"}";
    }
}
