package dev.aichatroom.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import dev.aichatroom.testing.Bursts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Artemis builds the routing of a new address from the wildcard subscriptions that match it lazily, on the first
 * publish, and makes it visible before it is complete: a second publish to the same new address at that moment was
 * routed to none or only some of the subscriptions, and acknowledged (the product lost the first inputs of a new room
 * when several clients wrote to it at once, with no trace). Every acknowledged publish must reach every subscription
 * that matched it when it was sent, whether or not its topic is new.
 */
@Timeout(180)
class FirstPublishRoutingIT {
    private static final int PUBLISHERS = 4;

    @TempDir
    static Path dataDir;

    private static OpenBroker open;
    private static EmbeddedBroker broker;
    private static int port;

    @BeforeAll
    static void start() {
        open = OpenBroker.tcp(dataDir);
        broker = open.broker();
        port = open.port();
    }

    @AfterAll
    static void stop() {
        open.close();
    }

    @Test
    void publishes_that_race_to_a_new_topic_all_reach_the_wildcard_subscribers() throws Exception {
        assertRacingPublishesReachEveryWildcard(port);
    }

    /**
     * {@code PUBLISHERS} clients publish to each of 200 new topics at the same moment; every subscriber on a matching
     * filter gets every acknowledged publish. The more subscriptions match a new address, the longer Artemis takes to
     * fill its routing table, hence six.
     */
    static void assertRacingPublishesReachEveryWildcard(int port) throws Exception {
        List<String> filters = List.of("race/+/in", "race/#", "race/+/+", "+/+/in", "#", "+/+/+");
        List<Set<String>> got = new ArrayList<>();
        List<Mqtt5BlockingClient> subscribers = new ArrayList<>();
        for (int f = 0; f < filters.size(); f++) {
            Set<String> received = ConcurrentHashMap.newKeySet();
            got.add(received);
            subscribers.add(Bursts.subscriber(port, "race-sub-" + f, filters.get(f), received::add));
        }
        Set<String> sent = Bursts.raceToTopics(port, "race", PUBLISHERS, 200, i -> "race/t" + i + "/in", i -> {});
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> got.stream().allMatch(g -> g.containsAll(sent)));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // the assertions below name what is missing
        }
        for (int f = 0; f < filters.size(); f++) {
            assertThat(missing(sent, got.get(f)))
                    .as("acknowledged publishes %s never got", filters.get(f))
                    .isEmpty();
        }
        subscribers.forEach(Mqtt5BlockingClient::disconnect);
    }

    @Test
    void a_first_exact_subscription_made_as_its_topic_is_first_published_hides_nothing_from_wildcards()
            throws Exception {
        int topics = 200;
        Set<String> byPlus = ConcurrentHashMap.newKeySet();
        Mqtt5BlockingClient plus = subscriber("exact-sub-plus", "exact/+/in", byPlus::add);
        Mqtt5BlockingClient exact = open.client("exact-sub-one");
        exact.connect();
        List<CompletableFuture<?>> subscribed = new ArrayList<>();
        Set<String> sent = racePublishers(
                "exact",
                topics,
                i -> "exact/t" + i + "/in",
                i -> subscribed.add(exact.toAsync()
                        .subscribeWith()
                        .topicFilter("exact/t" + i + "/in")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .send()));
        CompletableFuture.allOf(subscribed.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> byPlus.size() >= sent.size());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // the assertion below names what is missing
        }
        assertThat(missing(sent, byPlus))
                .as("acknowledged publishes exact/+/in never got")
                .isEmpty();
        plus.disconnect();
        exact.disconnect();
    }

    /**
     * A wildcard subscription created while a new address's routing is being built could be left out of that address
     * for good, from the reading of Artemis' source; this was not reproduced here (it passes without the fix too), and
     * guards the repair (decision 0039).
     */
    @Test
    void a_wildcard_subscription_made_as_a_topic_is_first_published_gets_what_comes_after() throws Exception {
        int topics = 200;
        Mqtt5BlockingClient all = subscriber("late-sub-all", "late/#", m -> {});
        Set<String> late = ConcurrentHashMap.newKeySet();
        Mqtt5BlockingClient latecomer = subscriber("late-sub-new", "late/none/+", late::add);
        List<CompletableFuture<?>> subscribed = new ArrayList<>();
        racePublishers(
                "late",
                topics,
                i -> "late/t" + i + "/in",
                i -> subscribed.add(latecomer
                        .toAsync()
                        .subscribeWith()
                        .topicFilter("late/t" + i + "/+")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .send()));
        CompletableFuture.allOf(subscribed.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        late.clear();
        Mqtt5BlockingClient after = open.client("late-pub-after");
        after.connect();
        Set<String> sentAfter = new TreeSet<>();
        for (int i = 0; i < topics; i++) {
            String payload = "after-" + i;
            after.publishWith()
                    .topic("late/t" + i + "/in")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(payload.getBytes(StandardCharsets.UTF_8))
                    .send();
            sentAfter.add(payload);
        }
        after.disconnect();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> late.containsAll(sentAfter));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // the assertion below names what is missing
        }
        assertThat(missing(sentAfter, late))
                .as("publishes after its SUBACK a new wildcard subscription never got")
                .isEmpty();
        all.disconnect();
        latecomer.disconnect();
    }

    private static Set<String> racePublishers(
            String prefix,
            int topics,
            java.util.function.IntFunction<String> topic,
            java.util.function.IntConsumer alongside)
            throws Exception {
        return Bursts.raceToTopics(port, prefix, PUBLISHERS, topics, topic, alongside);
    }

    private static Set<String> missing(Set<String> sent, Set<String> got) {
        Set<String> missing = new TreeSet<>(sent);
        missing.removeAll(got);
        return missing;
    }

    private static Mqtt5BlockingClient subscriber(String id, String filter, Consumer<String> received) {
        return Bursts.subscriber(port, id, filter, received);
    }
}
