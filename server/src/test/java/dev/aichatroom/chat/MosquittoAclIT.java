package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aichatroom.testing.FreePorts;
import dev.aichatroom.testing.Mosquitto;
import dev.aichatroom.testing.Processes;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The shipped deploy/mosquitto/acl on Debian's Mosquitto: the product works, devices keep to their own. */
@Timeout(120)
class MosquittoAclIT {
    private static final Path ACL = Path.of("..", "deploy", "mosquitto", "acl");

    private static TestMqtt login(int port, String clientId, String user) {
        return TestMqtt.login(port, clientId, user, user + "-pw");
    }

    @Test
    void the_product_works_and_a_device_reads_no_private_topic_and_writes_no_output() throws Exception {
        Path passwd = Files.createTempFile("mosquitto", ".passwd");
        for (String user : List.of("ai-chatroom-service", "device1", "device2")) {
            Processes.run(List.of("/usr/bin/mosquitto_passwd", "-b", passwd.toString(), user, user + "-pw"));
        }
        int port = FreePorts.next();
        try (Mosquitto mosquitto = Mosquitto.startOn(
                        port,
                        false,
                        "allow_anonymous false\npassword_file " + passwd + "\nacl_file " + ACL.toAbsolutePath()
                                + "\n");
                TestProduct product = TestProduct.start(Map.of(
                        "MQTT_BROKER", "127.0.0.1",
                        "MQTT_PORT", Integer.toString(port),
                        "MQTT_USERNAME", "ai-chatroom-service",
                        "MQTT_PASSWORD", "ai-chatroom-service-pw"));
                TestMqtt snoop = login(port, "device1", "device1")
                        .subscribe("chatroom/messages/out", "chatroom/#", "chatroom/+/+/errors");
                TestMqtt device2 = login(port, "device2", "device2")
                        .subscribe("chatroom/clients/device2/errors", "chatroom/messages/out")) {
            device2.publish("chatroom/messages/in", "{\"client_id\":\"device2\",\"username\":\"D2\",\"message\":\"\"}");
            device2.await("chatroom/clients/device2/errors", r -> r.text().contains("EMPTY"));
            assertThat(snoop.tryPublish("chatroom/messages/out", "{\"type\":\"user_message\",\"content\":\"forged\"}"))
                    .isPresent();
            device2.publish(
                    "chatroom/messages/in", "{\"client_id\":\"device2\",\"username\":\"D2\",\"message\":\"hello\"}");
            snoop.await("chatroom/messages/out", r -> r.text().contains("hello"));
            device2.await("chatroom/messages/out", r -> r.text().contains("hello"));
            assertThat(snoop.received())
                    .noneMatch(r -> r.topic().contains("/clients/") || r.topic().endsWith("/in"));
            assertThat(device2.on("chatroom/messages/out"))
                    .noneMatch(r -> r.text().contains("forged"));
        }
    }
}
