package dev.aichatroom.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.aichatroom.testing.FreePorts;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * MQTT 5 §4.7.2: a subscription whose filter starts with a wildcard gets no topic that starts with {@code $}, retained
 * or live. Artemis copied retained {@code $} messages (MCP presence, voice) into such subscriptions; and on the product
 * such a filter reads no private topic either.
 */
@Timeout(120)
class DollarTopicsIT {
    private static final Duration QUIET = Duration.ofSeconds(2);

    @TempDir
    static Path dataDir;

    private static EmbeddedBroker open;
    private static int openPort;
    private static TestProduct product;

    @BeforeAll
    static void start() {
        BrokerConfig config = new BrokerConfig("127.0.0.1", FreePorts.next(), -1, dataDir, Map.of(), Optional.of(true));
        openPort = config.port();
        // a policy that lets anyone subscribe to '#': only the broker stands between it and the '$' topics
        open = new EmbeddedBroker(config, AccessPolicy.openToAll(), List.of(), ClientListener.NONE, List.of());
        open.start();
        product = TestProduct.start(Map.of());
    }

    @AfterAll
    static void stop() {
        if (open != null) {
            open.close();
        }
        if (product != null) {
            product.close();
        }
    }

    @Test
    void a_hash_subscriber_gets_no_dollar_topic_retained_or_live() {
        try (TestMqtt publisher = TestMqtt.connect(openPort, "dollar-publisher")) {
            publisher.publishRetained(
                    "$mcp-server/presence/dollar-publisher/web-ui-hardware-controller/x", "{\"online\":true}");
            publisher.publishRetained("$webrtc/dev-1/multimedia_proxy", "offer");
            publisher.publishRetained("$TopicA/B", "dollar");
            publisher.publishRetained("plain/retained", "kept");
            for (String filter : List.of("#", "+/+", "+/+/+/+/+", "$share/g/#")) {
                String id = "dollar-sub-" + Math.abs(filter.hashCode());
                try (TestMqtt sub = TestMqtt.connect(openPort, id).subscribe(filter)) {
                    publisher.publish("$TopicA/B", "live dollar");
                    publisher.publish("$mcp-server/presence/dollar-publisher/web-ui-hardware-controller/x", "live");
                    publisher.publish("plain/live", "live");
                    publisher.publish("plain/x/y/z/w", "five levels");
                    await().during(QUIET)
                            .atMost(QUIET.plusSeconds(10))
                            .until(() -> sub.received().stream()
                                    .noneMatch(r -> r.topic().startsWith("$")));
                    assertThat(sub.received())
                            .as(filter)
                            .extracting(TestMqtt.Received::topic)
                            .isNotEmpty()
                            .noneMatch(t -> t.startsWith("$"));
                    await().atMost(Duration.ofSeconds(10))
                            .alias("the retained $ copies in the queue of " + filter + " are removed")
                            .until(() -> open.queuedFor(id) == 0);
                }
            }
        }
    }

    @Test
    void a_dollar_filter_next_to_hash_still_gets_the_retained_dollar_message_once() {
        try (TestMqtt publisher = TestMqtt.connect(openPort, "dollar-publisher-2")) {
            publisher.publishRetained(
                    "$mcp-server/presence/dollar-publisher-2/web-ui-hardware-controller/y", "{\"online\":true}");
            try (TestMqtt sub = TestMqtt.connect(openPort, "dollar-both").subscribe("#", "$mcp-server/presence/#")) {
                TestMqtt.Received r = sub.await("$mcp-server/presence/dollar-publisher-2/#", x -> x.retain());
                assertThat(r.text()).isEqualTo("{\"online\":true}");
                await().during(QUIET)
                        .atMost(QUIET.plusSeconds(10))
                        .until(() -> sub.on("$mcp-server/presence/dollar-publisher-2/#")
                                        .size()
                                == 1);
            }
        }
    }

    @Test
    void on_the_product_leading_wildcards_read_no_dollar_topic_and_no_private_topic() {
        try (TestMqtt snoop = TestMqtt.connect(product.mqttPort(), "wild-snoop")) {
            for (String filter : List.of("#", "+/#", "+/+/+/+", "$share/g/#")) {
                snoop.assertSubscribeRefused(filter);
            }
            // allowed: these cannot match an input or an error topic; +/+/+/+/+ is the shape of the product's own
            // retained MCP presence ($mcp-server/presence/{server id}/ai-chatroom/main), which it must not get
            snoop.subscribe("+/+", "+/+/+/+/+", "+/messages/out");
            try (TestMqtt victim =
                    TestMqtt.connect(product.mqttPort(), "victim").subscribe("chatroom/clients/victim/errors")) {
                victim.publishRetained("$TopicA/B", "dollar");
                victim.publish("$TopicA/B", "live dollar");
                assertThat(victim.tryPublish(
                                "chatroom/messages/in",
                                "{\"client_id\":\"victim\",\"username\":\"V\",\"message\":\"\"}"))
                        .isPresent();
                victim.await("chatroom/clients/victim/errors", r -> !r.text().isEmpty());
                victim.publish(
                        "chatroom/messages/in", "{\"client_id\":\"victim\",\"username\":\"V\",\"message\":\"hi\"}");
                snoop.await("chatroom/messages/out", r -> r.text().contains("hi"));
                await().during(QUIET)
                        .atMost(QUIET.plusSeconds(10))
                        .until(() -> snoop.received().stream()
                                .noneMatch(r ->
                                        r.topic().startsWith("$") || r.topic().contains("/clients/")));
                assertThat(snoop.received())
                        .extracting(TestMqtt.Received::topic)
                        .noneMatch(t -> t.startsWith("$"))
                        .noneMatch(t -> t.startsWith("chatroom/clients/"))
                        .noneMatch(t -> t.endsWith("/in"));
            }
        }
    }
}
