package dev.aichatroom.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link MessageStore} must do; each implementation's test extends this. */
abstract class MessageStoreContract {
    protected MessageStore store;
    private final String room = "r" + UUID.randomUUID().toString().substring(0, 8);

    protected abstract MessageStore open();

    @BeforeEach
    void openStore() {
        store = open();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    private StoredMessage message(String id, String content, Optional<String> key) {
        return new StoredMessage(
                room + id,
                room,
                "user_message",
                "c1",
                "张三",
                content,
                "mqtt",
                Optional.empty(),
                "2025-07-26T11:05:13.675321+08:00",
                key);
    }

    @Test
    void old_ledger_entries_are_forgotten_only_for_the_named_instances_connections() {
        String mine = "svc-" + UUID.randomUUID();
        String other = "other-" + UUID.randomUUID();
        String hash = "h" + UUID.randomUUID();
        store.appendUnpublished(
                message("l1", "a", Optional.empty()),
                mine,
                Optional.of(new MessageStore.LedgerEntry(hash, mine + "/run/1", 1_000)));
        store.appendUnpublished(
                message("l2", "b", Optional.empty()),
                other,
                Optional.of(new MessageStore.LedgerEntry(hash, other + "/run/1", 1_000)));
        store.appendUnpublished(
                message("l3", "c", Optional.empty()),
                mine,
                Optional.of(new MessageStore.LedgerEntry(hash, mine + "/run/2", 5_000)));

        assertThat(store.forgetLedgerBefore(2_000, mine + "/")).isEqualTo(1);
        assertThat(store.claimRedelivery(hash, mine + "/run/3", 9_000))
                .as("the other instance's entry")
                .contains(room + "l2");
        assertThat(store.claimRedelivery(hash, mine + "/run/3", 9_000))
                .as("the newer entry of this instance")
                .contains(room + "l3");
        assertThat(store.claimRedelivery(hash, mine + "/run/3", 9_000)).isEmpty();
    }

    @Test
    void a_claimed_ledger_entry_is_kept_for_the_next_connection_until_it_is_forgotten() {
        String mine = "svc-" + UUID.randomUUID();
        String hash = "h" + UUID.randomUUID();
        store.appendUnpublished(
                message("c1", "again", Optional.empty()),
                mine,
                Optional.of(new MessageStore.LedgerEntry(hash, mine + "/run/1", 1_000)));

        assertThat(store.claimRedelivery(hash, mine + "/run/2", 5_000)).contains(room + "c1");
        assertThat(store.claimRedelivery(hash, mine + "/run/2", 5_500))
                .as("on the connection that claimed it")
                .isEmpty();
        assertThat(store.forgetLedgerBefore(4_000, mine + "/"))
                .as("claimed at 5,000: not older than 4,000")
                .isZero();
        assertThat(store.claimRedelivery(hash, mine + "/run/3", 6_000))
                .as("the acknowledgement on run/2 was lost with it: the third copy")
                .contains(room + "c1");
        store.markPublished(List.of(), List.of(room + "c1"));
        assertThat(store.claimRedelivery(hash, mine + "/run/4", 7_000)).isEmpty();
    }

    @Test
    void a_drained_input_without_a_key_is_not_stored_once_its_instance_has_taken_its_session_back() {
        String back = "back-" + UUID.randomUUID();
        String drainer = "drainer-" + UUID.randomUUID();
        String before = "h" + UUID.randomUUID();
        String after = "h" + UUID.randomUUID();
        store.heartbeat(back);
        MessageStore.Fence fence = new MessageStore.Fence(back, store.sessionGeneration(back));
        store.appendUnpublished(
                List.of(new MessageStore.Unpublished(
                        message("f1", "drained before", Optional.empty()),
                        Optional.of(new MessageStore.LedgerEntry(before, drainer + "/drain/" + back + "/1", 1_000)),
                        Optional.of(fence))),
                drainer);

        assertThat(store.sessionTakenBack(back))
                .as("what the drain stored before the instance came back is in the ledger it reads")
                .contains(before);
        assertThatThrownBy(() -> store.appendUnpublished(
                        List.of(
                                new MessageStore.Unpublished(
                                        message("f2", "the drainer's own", Optional.of("own")), Optional.empty()),
                                new MessageStore.Unpublished(
                                        message("f3", "drained after", Optional.empty()),
                                        Optional.of(new MessageStore.LedgerEntry(
                                                after, drainer + "/drain/" + back + "/1", 2_000)),
                                        Optional.of(fence))),
                        drainer))
                .isInstanceOfSatisfying(
                        MessageStore.SessionTakenBack.class,
                        e -> assertThat(e.instances()).containsExactly(back));
        assertThat(store.unpublished(drainer))
                .as("nothing of the refused batch is written")
                .extracting(StoredMessage::messageId)
                .containsExactly(room + "f1");
        assertThat(store.ledgerHashes()).doesNotContain(after);
        assertThat(store.appendUnpublished(
                        List.of(new MessageStore.Unpublished(
                                message("f3", "drained after", Optional.empty()),
                                Optional.of(
                                        new MessageStore.LedgerEntry(after, drainer + "/drain/" + back + "/2", 3_000)),
                                Optional.of(new MessageStore.Fence(back, store.sessionGeneration(back))))),
                        drainer))
                .as("a drain that read the new generation stores")
                .containsExactly(true);
    }

    @Test
    void a_dead_instances_session_is_claimed_by_one_taker_until_drained_or_it_comes_back() throws Exception {
        String live = "live-" + UUID.randomUUID();
        String dead = "dead-" + UUID.randomUUID();
        String back = "back-" + UUID.randomUUID();
        java.time.Duration timeout = java.time.Duration.ofMillis(300);
        java.time.Duration lease = java.time.Duration.ofMinutes(1);
        store.heartbeat(live);
        store.heartbeat(dead);
        store.heartbeat(back);
        assertThat(store.claimDrains(live, java.time.Duration.ofMinutes(1), lease))
                .as("within the timeout")
                .doesNotContain(dead, back);
        Thread.sleep(timeout.toMillis() + 200);
        store.heartbeat(live);
        assertThat(store.claimDrains(live, timeout, lease))
                .as("other tests' instances may be there too")
                .contains(dead, back)
                .doesNotContain(live);
        assertThat(store.claimDrains("another-" + live, timeout, lease))
                .as("claimed: no second taker")
                .doesNotContain(dead, back);
        store.heartbeat(back); // it came back while being drained
        assertThat(store.drained(back, timeout)).as("alive again: kept").isFalse();
        assertThat(store.drained(dead, timeout)).isTrue();
        Thread.sleep(timeout.toMillis() + 200);
        assertThat(store.claimDrains(live, timeout, java.time.Duration.ZERO))
                .as("the drained one is forgotten; the one that came back and went again is claimed again")
                .doesNotContain(dead)
                .contains(back);
        Thread.sleep(20);
        assertThat(store.claimDrains(live, timeout, lease))
                .as("a claim past its lease is free again (a taker that died mid-drain)")
                .contains(back);
    }

    @Test
    void a_dead_instances_unpublished_messages_are_taken_over_once_in_order_and_a_live_ones_are_left() {
        String live = "live-" + UUID.randomUUID();
        String dead = "dead-" + UUID.randomUUID();
        String taker = "taker-of-" + dead;
        store.heartbeat(live);
        store.heartbeat(dead);
        store.appendUnpublished(message("live1", "mine", Optional.empty()), live, Optional.empty());
        for (int i = 1; i <= 3; i++) {
            store.appendUnpublished(message("dead" + i, "left " + i, Optional.empty()), dead, Optional.empty());
        }
        assertThat(takenFrom(dead, java.time.Duration.ofMinutes(1)))
                .as("within the timeout")
                .isEmpty();

        // the dead one stops saying it is alive; the live one keeps on
        List<StoredMessage> taken = new ArrayList<>();
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(10))
                .pollInterval(java.time.Duration.ofMillis(100))
                .until(() -> {
                    store.heartbeat(live);
                    taken.addAll(takenFrom(dead, java.time.Duration.ofSeconds(1)));
                    return !taken.isEmpty();
                });
        assertThat(taken).extracting(StoredMessage::content).containsExactly("left 1", "left 2", "left 3");
        assertThat(store.unpublished(taker))
                .as("this test's (the taker also took other tests' rows of instances that never said they were alive)")
                .filteredOn(m -> m.room().equals(room))
                .extracting(StoredMessage::content)
                .containsExactly("left 1", "left 2", "left 3");
        assertThat(store.unpublished(dead))
                .as("what the dead one finds when it starts again")
                .isEmpty();
        assertThat(takenFrom(dead, java.time.Duration.ofSeconds(1)))
                .as("taken once")
                .isEmpty();
        assertThat(store.unpublished(live)).extracting(StoredMessage::content).containsExactly("mine");
    }

    private List<StoredMessage> takenFrom(String owner, java.time.Duration timeout) {
        return store.takeOver("taker-of-" + owner, timeout).stream()
                .filter(t -> t.from().equals(owner))
                .flatMap(t -> t.messages().stream())
                .toList();
    }

    @Test
    void appended_messages_come_back_oldest_first_with_every_field() {
        store.append(message("m1", "一", Optional.empty()));
        store.append(new StoredMessage(
                room + "m2",
                room,
                "ai_response",
                "ai",
                "智能助手",
                "二",
                "ai",
                Optional.of(room + "m1"),
                "2025-07-26T11:05:14.000000+08:00",
                Optional.empty()));
        var history = store.history(room, Optional.empty(), 10);
        assertThat(history).extracting(StoredMessage::messageId).containsExactly(room + "m1", room + "m2");
        assertThat(history.get(1).replyTo()).contains(room + "m1");
        assertThat(history.get(1).username()).isEqualTo("智能助手");
        assertThat(store.rooms()).contains(room);
    }

    @Test
    void a_dedupe_key_is_stored_once() {
        assertThat(store.append(message("a", "x", Optional.of(room + "k")))).isTrue();
        assertThat(store.append(message("b", "x", Optional.of(room + "k")))).isFalse();
        assertThat(store.history(room, Optional.empty(), 10)).hasSize(1);
    }

    @Test
    void history_pages_backwards() {
        for (int i = 0; i < 5; i++) {
            store.append(message("p" + i, "n" + i, Optional.empty()));
        }
        assertThat(store.history(room, Optional.empty(), 2))
                .extracting(StoredMessage::messageId)
                .containsExactly(room + "p3", room + "p4");
        assertThat(store.history(room, Optional.of(room + "p3"), 2))
                .extracting(StoredMessage::messageId)
                .containsExactly(room + "p1", room + "p2");
        assertThat(store.isHealthy()).isTrue();
    }

    @Test
    void a_burst_is_stored_with_the_marking_of_the_one_before_in_one_transaction() {
        String instance = "svc-" + UUID.randomUUID();
        String hash = "h" + UUID.randomUUID();
        store.appendUnpublished(
                message("m1", "first", Optional.empty()),
                instance,
                Optional.of(new MessageStore.LedgerEntry(hash, instance + "/run/1", 1_000)));

        List<Boolean> stored = store.appendUnpublished(
                List.of(
                        new MessageStore.Unpublished(
                                message("m2", "second", Optional.of(room + "k2")), Optional.empty()),
                        new MessageStore.Unpublished(
                                message("m3", "third", Optional.of(room + "k2")), Optional.empty())),
                instance,
                List.of(room + "m1"),
                List.of(room + "m1"));

        assertThat(stored).containsExactly(true, false);
        assertThat(store.unpublished(instance))
                .extracting(StoredMessage::content)
                .containsExactly("second");
        assertThat(store.ledgerHashes()).doesNotContain(hash);
        assertThat(store.history(room, Optional.empty(), 10))
                .extracting(StoredMessage::content)
                .containsExactly("first", "second");
        // nothing to store: the marking alone
        assertThat(store.appendUnpublished(List.of(), instance, List.of(room + "m2"), List.of()))
                .isEmpty();
        assertThat(store.unpublished(instance)).isEmpty();
    }

    @Test
    void history_survives_reopening() {
        store.append(message("keep", "kept", Optional.empty()));
        store.close();
        store = open();
        assertThat(store.history(room, Optional.empty(), 10))
                .extracting(StoredMessage::content)
                .containsExactly("kept");
    }

    @Test
    void client_id_claims_come_back_and_never_roll_back() {
        ClaimStore claims = store.claims();
        String id = room + "-web";
        claims.save(new ClaimStore.Claim(id, "alice", 2_000));
        claims.save(new ClaimStore.Claim(id, "alice", 3_000));
        claims.save(new ClaimStore.Claim(id, "mallory", 2_500)); // a late write of an older claim
        claims.save(new ClaimStore.Claim(room + "-old", "bob", 1_000));

        assertThat(claims.since(2_000))
                .filteredOn(c -> c.clientId().startsWith(room))
                .containsExactly(new ClaimStore.Claim(id, "alice", 3_000));
        assertThat(claims.removeBefore(1_500)).isGreaterThanOrEqualTo(1);
        assertThat(claims.since(0))
                .filteredOn(c -> c.clientId().startsWith(room))
                .extracting(ClaimStore.Claim::clientId)
                .containsExactly(id);
        claims.save(new ClaimStore.Claim(id, "bob", 4_000)); // alice's claim lapsed, bob's is newer
        assertThat(claims.since(0))
                .filteredOn(c -> c.clientId().equals(id))
                .extracting(ClaimStore.Claim::ownerHash)
                .containsExactly("bob");
    }

    private StoredMember member(String clientId, String name, long lastSeen) {
        return new StoredMember(
                room,
                clientId,
                name,
                "mqtt",
                "2025-07-26T11:05:1" + lastSeen % 10 + "+08:00",
                0,
                lastSeen,
                Optional.empty());
    }

    @Test
    void members_join_again_keeping_join_time_and_count_and_leave_once() {
        MemberStore members = store.members();
        List<List<String>> announced = new ArrayList<>();
        MemberStore.Announcement record = (before, list) -> {
            announced.add(list.stream().map(StoredMember::username).toList());
            return CompletableFuture.completedFuture(null);
        };
        assertThat(members.put(member("a", "甲", 1), record)).isEmpty();
        assertThat(members.put(member("b", "乙", 2), record)).isEmpty();
        members.touch(room, "a", 5);
        members.touch(room, "nobody", 5);
        assertThat(members.put(member("a", "甲2", 7), record)).isPresent();
        StoredMember a = members.find(room, "a").orElseThrow();
        assertThat(a.username()).isEqualTo("甲2");
        assertThat(a.messageCount()).isEqualTo(1);
        assertThat(a.lastSeenMillis()).isEqualTo(7);
        assertThat(a.joinTime()).isEqualTo(member("a", "", 1).joinTime());
        assertThat(members.remove(room, "b", record)).isPresent();
        assertThat(members.remove(room, "b", record)).isEmpty();
        members.announce(room, record);
        assertThat(announced)
                .containsExactly(List.of("甲"), List.of("甲", "乙"), List.of("甲2", "乙"), List.of("甲2"), List.of("甲2"));
        assertThat(members.list(room)).extracting(StoredMember::clientId).containsExactly("a");
        assertThat(members.all()).extracting(StoredMember::room).contains(room);
    }

    @Test
    void every_change_of_a_room_counts_and_a_republish_does_not() {
        MemberStore members = store.members();
        List<List<String>> announced = new ArrayList<>();
        MemberStore.Announcement record = (before, list) -> {
            announced.add(list.stream().map(StoredMember::clientId).toList());
            return CompletableFuture.completedFuture(null);
        };
        members.put(member("a", "甲", 1), record);
        long afterJoin = members.versions().get(room);
        members.put(member("b", "乙", 2), record);
        assertThat(members.versions().get(room)).isEqualTo(afterJoin + 1);

        assertThat(members.reannounce(room, record)).isEqualTo(afterJoin + 1);
        assertThat(members.versions().get(room)).as("a republish is no change").isEqualTo(afterJoin + 1);
        assertThat(announced.getLast()).containsExactly("a", "b");

        members.remove(room, "a", record);
        assertThat(members.versions().get(room)).isEqualTo(afterJoin + 2);
    }

    @Test
    void announced_mcp_servers_are_kept_until_withdrawn() {
        McpServerStore servers = store.mcpServers();
        String id = "page-" + room;
        servers.announced(new McpServerStore.Seen(id, "web-ui-hardware-controller/x", "first", "{}", 1));
        servers.announced(new McpServerStore.Seen(id, "web-ui-hardware-controller/x", "again", "{\"a\":1}", 2));
        assertThat(servers.all())
                .filteredOn(s -> s.serverId().equals(id))
                .containsExactly(new McpServerStore.Seen(id, "web-ui-hardware-controller/x", "again", "{\"a\":1}", 2));
        servers.withdrawn(id, "web-ui-hardware-controller/x");
        servers.withdrawn(id, "web-ui-hardware-controller/x");
        assertThat(servers.all()).noneMatch(s -> s.serverId().equals(id));
    }

    @Test
    void a_group_commit_stores_the_batch_in_order_and_skips_repeats_within_it_and_before_it() {
        assertThat(store.appendUnpublished(message("g0", "zero", Optional.of(room + "k0")), "inst", Optional.empty()))
                .isTrue();
        MessageStore.LedgerEntry ledger = new MessageStore.LedgerEntry(room + "hash", "conn-1", 1L);

        List<Boolean> stored = store.appendUnpublished(
                List.of(
                        new MessageStore.Unpublished(message("g1", "one", Optional.of(room + "k1")), Optional.empty()),
                        new MessageStore.Unpublished(message("g2", "two", Optional.of(room + "k0")), Optional.empty()),
                        new MessageStore.Unpublished(message("g3", "three", Optional.empty()), Optional.of(ledger)),
                        new MessageStore.Unpublished(
                                message("g4", "four", Optional.of(room + "k1")), Optional.empty())),
                "inst");

        assertThat(stored).containsExactly(true, false, true, false);
        assertThat(store.unpublished("inst"))
                .extracting(StoredMessage::content)
                .containsSubsequence("zero", "one", "three")
                .doesNotContain("two", "four");
        assertThat(store.ledgerHashes()).contains(room + "hash");
        assertThat(store.appendUnpublished(List.of(), "inst")).isEmpty();
    }

    @Test
    void a_group_commit_that_fails_stores_nothing_of_its_batch() {
        MessageStore.LedgerEntry broken = new MessageStore.LedgerEntry(null, "conn-1", 1L);

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.appendUnpublished(
                        List.of(
                                new MessageStore.Unpublished(message("f1", "one", Optional.empty()), Optional.empty()),
                                new MessageStore.Unpublished(
                                        message("f2", "two", Optional.empty()), Optional.of(broken))),
                        "inst-f"))
                .isInstanceOf(StoreException.class);

        assertThat(store.history(room, Optional.empty(), 10)).isEmpty();
        assertThat(store.append(message("f3", "after", Optional.empty()))).isTrue();
        assertThat(store.history(room, Optional.empty(), 10))
                .extracting(StoredMessage::content)
                .containsExactly("after");
    }
}
