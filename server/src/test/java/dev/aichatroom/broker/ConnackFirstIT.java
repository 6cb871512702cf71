package dev.aichatroom.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aichatroom.testing.RawMqtt;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * [MQTT-3.2.0-1]: the first packet the broker sends on a connection is the CONNACK, also when the session resumed holds
 * messages that go out at once. A client that gets a PUBLISH first must close the connection (the HiveMQ client does:
 * "PUBLISH message must not be received before CONNACK"), so a device whose session holds a backlog would never get in.
 */
@Timeout(180)
class ConnackFirstIT {
    @TempDir
    static Path dataDir;

    private static OpenBroker broker;
    private static int port;

    @BeforeAll
    static void start() {
        broker = OpenBroker.tcp(dataDir);
        port = broker.port();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void a_session_resumed_with_a_backlog_gets_its_connack_before_any_message() {
        broker.subscribeAndLeave("backlog-keeper", "backlog/topic");
        broker.publish("backlog-publisher", "backlog/topic", 500);
        List<String> wrong = new ArrayList<>();
        for (int attempt = 0; attempt < 300; attempt++) {
            if (attempt % 15 == 0) {
                broker.restart(); // the first resume after a start too
            }
            int first = RawMqtt.firstPacketOnResume(port, "backlog-keeper");
            if (first != 0x20) {
                wrong.add("attempt " + attempt + ": 0x" + Integer.toHexString(first));
            }
        }
        assertThat(wrong).as("resumes whose first packet was not the CONNACK").isEmpty();
    }
}
