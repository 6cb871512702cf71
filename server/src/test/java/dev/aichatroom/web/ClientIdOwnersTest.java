package dev.aichatroom.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aichatroom.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

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
}
