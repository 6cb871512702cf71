package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Member lists are coalesced per room and bounded in size (issue 15: presence was quadratic). */
@Timeout(120)
class PresenceIT {
    @Test
    void a_thousand_joins_in_one_room_cost_linear_traffic() throws Exception {
        try (TestProduct product = TestProduct.start(Map.of());
                TestMqtt observer =
                        TestMqtt.connect(product.mqttPort(), "observer").subscribe("chatroom/crowd/users/online")) {
            List<TestMqtt> clients = new ArrayList<>();
            List<CompletableFuture<?>> joins = new ArrayList<>();
            long started = System.nanoTime();
            try {
                // 100 connections × 10 joins (the per-connection join burst), 1,000 members
                for (int c = 0; c < 100; c++) {
                    TestMqtt client = TestMqtt.connect(product.mqttPort(), "crowd-" + c);
                    clients.add(client);
                    for (int j = 0; j < ChatService.JOIN_BURST; j++) {
                        joins.add(client.client()
                                .toAsync()
                                .publishWith()
                                .topic("chatroom/crowd/users/join")
                                .qos(MqttQos.AT_LEAST_ONCE)
                                .payload(("{\"client_id\":\"m-" + c + "-" + j + "\",\"username\":\"member " + c + "-"
                                                + j + "\"}")
                                        .getBytes(StandardCharsets.UTF_8))
                                .send());
                    }
                }
                CompletableFuture.allOf(joins.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
                TestMqtt.Received last = observer.await(
                        "chatroom/crowd/users/online",
                        r -> r.json().path("count").asInt() == 1000,
                        Duration.ofSeconds(20));
                long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
                JsonNode list = last.json();
                assertThat(list.path("room").asText()).isEqualTo("crowd");
                assertThat(list.path("timestamp").asText()).isNotBlank();
                assertThat(list.path("truncated").asBoolean()).isTrue();
                assertThat(list.path("users")).hasSize(ChatService.ONLINE_LIST_MAX);
                await().pollDelay(Duration.ofSeconds(1))
                        .atMost(Duration.ofSeconds(3))
                        .until(() -> true);
                List<TestMqtt.Received> lists = observer.on("chatroom/crowd/users/online");
                long bytes = lists.stream().mapToLong(r -> r.payload().length).sum();
                System.out.printf(
                        "PresenceIT: 1,000 joins in %d s -> %d member-list publishes, %d bytes%n",
                        seconds, lists.size(), bytes);
                // one list per 500 ms at most (and the first), each of at most 100 members
                assertThat(lists.size()).isLessThanOrEqualTo((int) (seconds * 2 + 4));
                assertThat(bytes).isLessThan(lists.size() * 20_000L);
            } finally {
                clients.forEach(TestMqtt::close);
            }
        }
    }
}
