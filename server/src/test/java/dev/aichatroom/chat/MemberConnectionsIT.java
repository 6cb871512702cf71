package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aichatroom.testing.Processes;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A member belongs to the MQTT connection that joined it (embedded broker, issue 14 and 15): only that connection
 * may leave for it, a will of another connection naming it is refused, and it leaves when that connection goes,
 * whatever client id the connection has.
 */
@Timeout(120)
class MemberConnectionsIT {
    private static final Pattern FORBIDDEN_COUNT =
            Pattern.compile("chat_inputs_rejected_total\\{code=\"FORBIDDEN\",?\\} (\\d+)");

    private static TestProduct product;
    private static TestMqtt observer;

    @BeforeAll
    static void start() {
        product = TestProduct.start(Map.of());
        observer = TestMqtt.connect(product.mqttPort(), "members-observer-" + unique())
                .subscribe("chatroom/system", "chatroom/users/online");
    }

    @AfterAll
    static void stop() {
        observer.close();
        product.close();
    }

    private static String unique() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    private static boolean listed(String clientId) {
        List<TestMqtt.Received> lists = observer.on("chatroom/users/online");
        return !lists.isEmpty() && lists.getLast().text().contains("\"" + clientId + "\"");
    }

    private static long forbiddenSoFar() {
        Matcher m = FORBIDDEN_COUNT.matcher(product.get("/metrics").body());
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    void a_leave_or_a_will_from_another_connection_does_not_remove_a_member() throws Exception {
        String alice = "alice-" + unique();
        String bob = "bob-" + unique();
        try (TestMqtt a = TestMqtt.connect(product.mqttPort(), alice);
                TestMqtt b = TestMqtt.connect(product.mqttPort(), bob).subscribe("chatroom/clients/" + bob + "/#")) {
            a.publish("chatroom/users/join", "{\"client_id\":\"" + alice + "\",\"username\":\"Alice\"}");
            await().atMost(Duration.ofSeconds(10)).until(() -> listed(alice));

            // bob speaks for alice: his leave and a join that would take her over are refused before the PUBACK
            assertThat(b.tryPublish("chatroom/users/leave", "{\"client_id\":\"" + alice + "\"}"))
                    .as("PUBACK of bob's leave for alice")
                    .isPresent();
            b.await(
                    "chatroom/clients/" + bob + "/errors",
                    r -> r.json().path("code").asText().equals("FORBIDDEN")
                            && r.json().path("message").asText().contains(alice));
            assertThat(b.tryPublish(
                            "chatroom/users/join", "{\"client_id\":\"" + alice + "\",\"username\":\"Not Alice\"}"))
                    .isPresent();
            assertThat(b.tryPublish(
                            "chatroom/users/leave", "{\"client_id\":\"" + alice + "\",\"reason\":\"connection_lost\"}"))
                    .isPresent();

            // a stock client whose will names alice dies without DISCONNECT: the broker publishes the will
            long forbidden = forbiddenSoFar();
            Process willer = Processes.start(List.of(
                    "stdbuf", // line-buffered, so that its SUBACK line is seen while it runs
                    "-oL",
                    "mosquitto_sub",
                    "-d",
                    "-V",
                    "mqttv5",
                    "-h",
                    "127.0.0.1",
                    "-p",
                    Integer.toString(product.mqttPort()),
                    "-i",
                    "willer-" + unique(),
                    "-t",
                    "chatroom/system",
                    "--will-topic",
                    "chatroom/users/leave",
                    "--will-payload",
                    "{\"client_id\":\"" + alice + "\"}"));
            StringBuffer said = collect(willer);
            try {
                await().atMost(Duration.ofSeconds(15))
                        .until(() -> said.toString().contains("SUBACK"));
            } finally {
                willer.destroyForcibly();
            }
            await("the will was refused").atMost(Duration.ofSeconds(15)).until(() -> forbiddenSoFar() > forbidden);
            // alice stays, past the 5 s grace of a lost connection too
            await().during(Duration.ofSeconds(7))
                    .atMost(Duration.ofSeconds(15))
                    .until(() -> listed(alice)
                            && observer.on("chatroom/system").stream()
                                    .noneMatch(r -> r.text().contains("Alice 离开")));
            assertThat(observer.on("chatroom/users/online").getLast().text()).doesNotContain("Not Alice");

            // her own connection may leave for her
            a.publish("chatroom/users/leave", "{\"client_id\":\"" + alice + "\"}");
            observer.await("chatroom/system", r -> r.text().contains("Alice 离开"));
        }
    }

    @Test
    void a_member_leaves_when_the_connection_that_joined_it_goes_whatever_its_client_id() {
        // a one-shot stock client with a random connection id, naming another client_id (as the seed's Node.js
        // example does): no leave is ever sent
        String sensor = "sensor-" + unique();
        Processes.mosquittoPub(
                product.mqttPort(),
                "chatroom/users/join",
                "{\"client_id\":\"" + sensor + "\",\"username\":\"一次性传感器\"}",
                "-i",
                "random-" + unique());
        observer.await("chatroom/system", r -> r.text().contains("一次性传感器 加入"));
        observer.await("chatroom/system", r -> r.text().contains("一次性传感器 离开"), Duration.ofSeconds(20));
        await().atMost(Duration.ofSeconds(5)).until(() -> !listed(sensor));
    }

    /** Everything a process prints, collected as it comes. */
    private static StringBuffer collect(Process p) {
        StringBuffer buffer = new StringBuffer();
        Thread.ofVirtual().start(() -> {
            try (var in = new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)) {
                char[] chunk = new char[4096];
                int n;
                while ((n = in.read(chunk)) > 0) {
                    buffer.append(chunk, 0, n);
                }
            } catch (IOException e) {
                buffer.append("[output closed]");
            }
        });
        return buffer;
    }
}
