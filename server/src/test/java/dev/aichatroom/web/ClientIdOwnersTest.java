package dev.aichatroom.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aichatroom.store.ClaimStore;
import dev.aichatroom.store.JdbcMessageStore;
import dev.aichatroom.store.MessageStore;
import dev.aichatroom.store.StoreConfig;
import dev.aichatroom.store.StoreException;
import dev.aichatroom.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientIdOwnersTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T08:00:00Z"));
    private final ClientIdOwners owners = new ClientIdOwners(clock);

    @Test
    void the_first_browser_to_ask_owns_an_id_while_it_keeps_asking() {
        assertThat(owners.claim("web_a_1", "alice")).isTrue();
        assertThat(owners.claim("web_a_1", "mallory")).isFalse();
        clock.advance(ClientIdOwners.HOLD.minusMinutes(1));
        assertThat(owners.claim("web_a_1", "alice")).as("renewed").isTrue();
        clock.advance(ClientIdOwners.HOLD.minusMinutes(1));
        assertThat(owners.claim("web_a_1", "mallory")).isFalse();
        assertThat(owners.ownerOf("web_a_1")).contains("alice");
    }

    @Test
    void an_id_its_owner_stopped_renewing_is_free_again() {
        owners.claim("voice_x-1", "alice");
        clock.advance(ClientIdOwners.HOLD.plusSeconds(1));

        assertThat(owners.ownerOf("voice_x-1")).isEmpty();
        assertThat(owners.claim("voice_x-1", "bob")).isTrue();
        assertThat(owners.ownerOf("voice_x-1")).contains("bob");
    }

    @Test
    void ids_speak_for_the_same_party_when_one_browser_owns_both_or_no_browser_owns_either() {
        owners.claim("voice_alice-k3", "alice");
        owners.claim("voicemcp_alice-k3", "alice");
        owners.claim("voice_mallory-k3", "mallory");

        assertThat(owners.sameOwner("voice_alice-k3", "voicemcp_alice-k3")).isTrue();
        assertThat(owners.sameOwner("voice_mallory-k3", "voicemcp_alice-k3")).isFalse();
        assertThat(owners.sameOwner("esp32-k3", "voicemcp_alice-k3")).isFalse();
        assertThat(owners.sameOwner("esp32-k3", "lab-camera-k3"))
                .as("configured accounts")
                .isTrue();
    }

    @Test
    void beyond_its_limit_it_forgets_the_stalest_claims_first() {
        for (int i = 0; i <= ClientIdOwners.MAX_CLAIMS; i++) {
            clock.advance(Duration.ofMillis(1));
            owners.claim("web_x_" + i, "owner-" + i);
        }

        assertThat(owners.ownerOf("web_x_0")).isEmpty();
        assertThat(owners.ownerOf("web_x_" + ClientIdOwners.MAX_CLAIMS / 20)).isEmpty();
        assertThat(owners.ownerOf("web_x_" + ClientIdOwners.MAX_CLAIMS)).contains("owner-" + ClientIdOwners.MAX_CLAIMS);
        assertThat(owners.claim("web_x_0", "someone else")).isTrue();
    }

    @Test
    void claims_outlive_a_restart_on_the_same_database_until_they_lapse(@TempDir Path dir) {
        try (MessageStore store = sqlite(dir)) {
            ClientIdOwners before = new ClientIdOwners(clock, store.claims());
            before.claim("web_a_1", "alice");
            before.claim("web_b_1", "bob");
            clock.advance(ClientIdOwners.HOLD.minusHours(2));
            before.claim("web_a_1", "alice"); // alice's page keeps asking; bob's went away
            clock.advance(Duration.ofHours(3));

            ClientIdOwners after = new ClientIdOwners(clock, store.claims());
            assertThat(after.claim("web_a_1", "mallory")).isFalse();
            assertThat(after.ownerOf("web_a_1")).contains("alice");
            assertThat(after.ownerOf("web_b_1")).isEmpty();
            assertThat(store.claims().since(0))
                    .as("lapsed claims are deleted")
                    .extracting(ClaimStore.Claim::clientId)
                    .containsExactly("web_a_1");
        }
    }

    @Test
    void a_browser_renewing_its_claim_writes_it_at_most_once_an_hour(@TempDir Path dir) {
        try (MessageStore store = sqlite(dir)) {
            AtomicInteger saves = new AtomicInteger();
            ClaimStore counting = new ClaimStore() {
                @Override
                public List<Claim> since(long sinceMillis) {
                    return store.claims().since(sinceMillis);
                }

                @Override
                public void save(Claim claim) {
                    saves.incrementAndGet();
                    store.claims().save(claim);
                }

                @Override
                public int removeBefore(long beforeMillis) {
                    return store.claims().removeBefore(beforeMillis);
                }
            };
            ClientIdOwners owners = new ClientIdOwners(clock, counting);
            for (int i = 0; i < 12; i++) {
                owners.claim("web_a_1", "alice"); // a token every 5 minutes
                clock.advance(Duration.ofMinutes(5));
            }
            assertThat(saves.get()).isEqualTo(1);
            owners.claim("web_a_1", "alice");
            assertThat(saves.get()).isEqualTo(2);
            assertThat(owners.claim("web_a_1", "mallory")).isFalse();
            assertThat(saves.get()).as("a refused claim writes nothing").isEqualTo(2);
        }
    }

    @Test
    void a_failing_database_costs_persistence_only() {
        ClaimStore broken = new ClaimStore() {
            @Override
            public List<Claim> since(long sinceMillis) {
                throw new StoreException("cannot read client-id claims: disk I/O error", null, true);
            }

            @Override
            public void save(Claim claim) {
                throw new StoreException("cannot store the claim: disk I/O error", null, true);
            }

            @Override
            public int removeBefore(long beforeMillis) {
                throw new StoreException("cannot forget lapsed claims: disk I/O error", null, true);
            }
        };
        ClientIdOwners owners = new ClientIdOwners(clock, broken);

        assertThat(owners.claim("web_a_1", "alice")).isTrue();
        assertThat(owners.claim("web_a_1", "mallory")).isFalse();
        assertThat(owners.ownerOf("web_a_1")).contains("alice");
    }

    private static MessageStore sqlite(Path dir) {
        return JdbcMessageStore.open(
                new StoreConfig("jdbc:sqlite:" + dir.resolve("claims.db"), Optional.empty(), Optional.empty(), 4));
    }
}
