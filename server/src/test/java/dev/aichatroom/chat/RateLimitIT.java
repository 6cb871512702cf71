package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Rate limits keyed on the MQTT connection, enforced by the embedded broker before it acknowledges (issue 15). */
@Timeout(120)
class RateLimitIT {
    private static final int BURST = 10;
    private static TestProduct product;
    private static TestMqtt observer;

    @BeforeAll
    static void start() {
        product = TestProduct.start(Map.of("CHAT_RATE_PER_MINUTE", "120", "CHAT_RATE_BURST", Integer.toString(BURST)));
        observer = TestMqtt.connect(product.mqttPort(), "observer-" + UUID.randomUUID())
                .subscribe("chatroom/messages/out", "chatroom/+/users/online");
    }

    @AfterAll
    static void stop() {
        observer.close();
        product.close();
    }

    private static String id() {
        return "r-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void rotating_the_payload_client_id_does_not_escape_the_limit() {
        String tag = id();
        List<Optional<Mqtt5PubAckReasonCode>> acks = new ArrayList<>();
        long t0 = System.nanoTime();
        try (TestMqtt attacker = TestMqtt.connect(product.mqttPort(), id())) {
            for (int i = 0; i < 60; i++) {
                acks.add(attacker.tryPublish(
                        "chatroom/messages/in",
                        "{\"client_id\":\"" + tag + "-" + i + "\",\"username\":\"u\",\"message\":\"m\"}"));
            }
        }
        // the bucket refills 2 a second (120 a minute) while the 60 publishes go out: slow on loaded cores
        int refilled = 1 + (int) (2 * (System.nanoTime() - t0) / 1_000_000_000L);
        long refused = acks.stream()
                .filter(a -> a.equals(Optional.of(Mqtt5PubAckReasonCode.NOT_AUTHORIZED)))
                .count();
        assertThat(refused).as("refused before the broker acknowledged").isGreaterThanOrEqualTo(60 - BURST - refilled);
        await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> true);
        assertThat(observer.on("chatroom/messages/out").stream()
                        .filter(r -> r.json().path("client_id").asText().startsWith(tag)))
                .hasSizeBetween(BURST, BURST + refilled);
    }

    @Test
    void joins_from_one_connection_are_limited_and_make_no_rooms_beyond_it() {
        String tag = id();
        try (TestMqtt attacker =
                TestMqtt.connect(product.mqttPort(), tag).subscribe("chatroom/clients/" + tag + "/errors")) {
            long refused = 0;
            for (int i = 0; i < 40; i++) {
                refused += attacker.tryPublish(
                                        "chatroom/" + tag + "-" + i + "/users/join",
                                        "{\"client_id\":\"" + tag + "\",\"username\":\"u\"}")
                                .isPresent()
                        ? 1
                        : 0;
            }
            assertThat(refused).isGreaterThanOrEqualTo(40 - ChatService.JOIN_BURST - 2);
            TestMqtt.Received error = attacker.await(
                    "chatroom/clients/" + tag + "/errors",
                    r -> r.json().path("code").asText().equals("RATE_LIMITED"));
            assertThat(error.json().path("retry_after_ms").asLong()).isPositive();
        }
        await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> true);
        assertThat(observer.on("chatroom/+/users/online").stream()
                        .map(TestMqtt.Received::topic)
                        .filter(t -> t.startsWith("chatroom/" + tag))
                        .distinct())
                .hasSizeBetween(ChatService.JOIN_BURST, ChatService.JOIN_BURST + 2);
    }

    @Test
    void a_flood_from_one_client_barely_delays_another() throws Exception {
        List<Long> alone = latencies("alone");
        List<CompletableFuture<?>> flood = new ArrayList<>();
        try (TestMqtt attacker = TestMqtt.connect(product.mqttPort(), id())) {
            String attackerId = id();
            Thread flooding = Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 5_000; i++) {
                    flood.add(attacker.client()
                            .toAsync()
                            .publishWith()
                            .topic("chatroom/messages/in")
                            .qos(MqttQos.AT_LEAST_ONCE)
                            .payload(("{\"client_id\":\"" + attackerId + "\",\"username\":\"x\",\"message\":\"flood\"}")
                                    .getBytes(StandardCharsets.UTF_8))
                            .send()
                            .handle((ack, e) -> ack));
                }
            });
            List<Long> flooded = latencies("flooded");
            flooding.join();
            CompletableFuture.allOf(flood.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            long p99Alone = p99(alone);
            long p99Flooded = p99(flooded);
            System.out.printf(
                    "RateLimitIT: another client's p99 latency %d ms alone, %d ms during a 5,000-message flood%n",
                    p99Alone, p99Flooded);
            assertThat(p99Flooded).isLessThan(5 * p99Alone + 500);
        }
    }

    /** Publish-to-delivery latencies (ms) of 15 messages from one well-behaved client, 300 ms apart. */
    private static List<Long> latencies(String label) throws Exception {
        String client = id();
        Map<String, Long> arrived = new ConcurrentHashMap<>();
        try (TestMqtt c = TestMqtt.connect(product.mqttPort(), client)) {
            c.client().toAsync().publishes(MqttGlobalPublishFilter.ALL, p -> {
                String text = new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8);
                int at = text.indexOf(label + "-");
                if (at >= 0) {
                    arrived.putIfAbsent(text.substring(at, text.indexOf('"', at)), System.nanoTime());
                }
            });
            c.subscribe("chatroom/messages/out");
            Map<String, Long> sentAt = new ConcurrentHashMap<>();
            for (int i = 0; i < 15; i++) {
                String key = label + "-" + i;
                sentAt.put(key, System.nanoTime());
                c.publish(
                        "chatroom/messages/in",
                        "{\"client_id\":\"" + client + "\",\"username\":\"b\",\"message\":\"" + key + "\"}");
                Thread.sleep(300);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> arrived.size() == 15);
            return sentAt.entrySet().stream()
                    .map(e -> TimeUnit.NANOSECONDS.toMillis(arrived.get(e.getKey()) - e.getValue()))
                    .sorted()
                    .toList();
        }
    }

    private static long p99(List<Long> sorted) {
        return sorted.get((int) Math.ceil(sorted.size() * 0.99) - 1);
    }

    @Test
    void an_account_with_twenty_connections_gets_the_budget_of_one() throws Exception {
        java.nio.file.Path accounts = java.nio.file.Files.createTempFile("accounts", "");
        java.nio.file.Files.writeString(accounts, "fleet:fleet-secret\n");
        int connections = 20;
        try (TestProduct own = TestProduct.start(Map.of(
                "MQTT_ACCOUNTS_FILE", accounts.toString(), "CHAT_RATE_PER_MINUTE", "6", "CHAT_RATE_BURST", "5"))) {
            List<TestMqtt> fleet = new ArrayList<>();
            try {
                for (int c = 0; c < connections; c++) {
                    fleet.add(TestMqtt.connect(
                            own.mqttPort(),
                            "fleet-" + c,
                            b -> b.simpleAuth()
                                    .username("fleet")
                                    .password("fleet-secret".getBytes(StandardCharsets.UTF_8))
                                    .applySimpleAuth(),
                            x -> x));
                }
                // each connection alone is within its own budget: 3 messages (burst 5) and 2 joins (burst 10) each
                int messages = 0;
                int joins = 0;
                for (int round = 0; round < 3; round++) {
                    for (int c = 0; c < connections; c++) {
                        messages += fleet.get(c)
                                        .tryPublish(
                                                "chatroom/messages/in",
                                                "{\"client_id\":\"fleet-" + c
                                                        + "\",\"username\":\"f\",\"message\":\"m\"}")
                                        .isEmpty()
                                ? 1
                                : 0;
                    }
                }
                for (int round = 0; round < 2; round++) {
                    for (int c = 0; c < connections; c++) {
                        joins += fleet.get(c)
                                        .tryPublish(
                                                "chatroom/fleet-" + c + "-" + round + "/users/join",
                                                "{\"client_id\":\"fleet-" + c + "\",\"username\":\"f\"}")
                                        .isEmpty()
                                ? 1
                                : 0;
                    }
                }
                // before: 60 of 60 messages and 40 of 40 joins (rooms) went through, 20 times one connection's budget
                assertThat(messages).as("messages taken of %d", 3 * connections).isBetween(5, 10);
                assertThat(joins).as("joins taken of %d", 2 * connections).isBetween(10, 20);
            } finally {
                fleet.forEach(TestMqtt::close);
            }
        } finally {
            java.nio.file.Files.deleteIfExists(accounts);
        }
    }

    /** A browser (one cookie jar) asking the HTTP API for a token for {@code clientId}: its username and password. */
    private static String[] token(java.net.http.HttpClient browser, String clientId) throws Exception {
        java.net.http.HttpResponse<String> r = browser.send(
                java.net.http.HttpRequest.newBuilder(
                                java.net.URI.create("http://127.0.0.1:" + product.httpPort() + "/api/mqtt/token"))
                        .header("Content-Type", "application/json")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"client_id\":\"" + clientId + "\"}"))
                        .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        com.fasterxml.jackson.databind.JsonNode t = dev.aichatroom.mqtt.Json.tree(
                        r.body().getBytes(StandardCharsets.UTF_8))
                .orElseThrow();
        return new String[] {t.path("username").asText(), t.path("password").asText()};
    }

    private static TestMqtt withToken(java.net.http.HttpClient browser, String clientId) throws Exception {
        String[] t = token(browser, clientId);
        return TestMqtt.connect(
                product.mqttPort(),
                clientId,
                b -> b.simpleAuth()
                        .username(t[0])
                        .password(t[1].getBytes(StandardCharsets.UTF_8))
                        .applySimpleAuth(),
                x -> x);
    }

    private static int sent(TestMqtt client, String clientId, int count) {
        int taken = 0;
        for (int i = 0; i < count; i++) {
            taken += client.tryPublish(
                                    "chatroom/messages/in",
                                    "{\"client_id\":\"" + clientId + "\",\"username\":\"w\",\"message\":\"m" + i
                                            + "\"}")
                            .isEmpty()
                    ? 1
                    : 0;
        }
        return taken;
    }

    @Test
    void a_browser_with_many_token_connections_gets_the_budget_of_one() throws Exception {
        // one browser (one owner cookie) asks for tokens for 8 client ids of the chat page's shape
        int connections = 8;
        java.net.http.HttpClient browser = java.net.http.HttpClient.newBuilder()
                .cookieHandler(new java.net.CookieManager())
                .build();
        List<TestMqtt> tabs = new ArrayList<>();
        try {
            for (int c = 0; c < connections; c++) {
                tabs.add(withToken(browser, "web_budgettest_tab" + c + "x"));
            }
            int taken = 0;
            for (int c = 0; c < connections; c++) {
                taken += sent(tabs.get(c), "web_budgettest_tab" + c + "x", 5);
            }
            // before: 40 of 40 went through, 8 times one connection's burst of 10
            assertThat(taken).as("messages taken of %d", 5 * connections).isBetween(BURST, BURST + 10);
            // another browser has its own budget
            java.net.http.HttpClient other = java.net.http.HttpClient.newBuilder()
                    .cookieHandler(new java.net.CookieManager())
                    .build();
            try (TestMqtt tab = withToken(other, "web_otherbrowser_tab0x")) {
                assertThat(sent(tab, "web_otherbrowser_tab0x", 3)).isEqualTo(3);
            }
        } finally {
            tabs.forEach(TestMqtt::close);
        }
    }
}
