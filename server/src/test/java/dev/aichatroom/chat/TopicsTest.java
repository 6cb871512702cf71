package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import org.junit.jupiter.api.Test;

class TopicsTest {
    private final Topics topics = new Topics("main");

    @Test
    void the_default_room_uses_the_seed_topics() {
        assertThat(topics.in("main")).isEqualTo("chatroom/messages/in");
        assertThat(topics.out("main")).isEqualTo("chatroom/messages/out");
        assertThat(topics.join("main")).isEqualTo("chatroom/users/join");
        assertThat(topics.leave("main")).isEqualTo("chatroom/users/leave");
        assertThat(topics.system("main")).isEqualTo("chatroom/system");
        assertThat(topics.online("main")).isEqualTo("chatroom/users/online");
        assertThat(topics.out("room1")).isEqualTo("chatroom/room1/messages/out");
        assertThat(Topics.errors("c1")).isEqualTo("chatroom/clients/c1/errors");
    }

    @Test
    void input_topics_parse_to_room_and_kind() {
        assertThat(topics.parse("chatroom/messages/in")).contains(new Topics.Parsed("main", Topics.Input.MESSAGE));
        assertThat(topics.parse("chatroom/r-2/users/join")).contains(new Topics.Parsed("r-2", Topics.Input.JOIN));
        assertThat(topics.parse("chatroom/a/b/users/leave")).isEmpty();
        assertThat(topics.parse("chatroom/messages/out")).isEmpty();
    }

    @Test
    void room_names_are_checked() {
        assertThat(Topics.isValidRoom("kitchen_2-b")).isTrue();
        assertThat(Topics.isValidRoom("users")).isFalse();
        assertThat(Topics.isValidRoom("a.b")).isFalse();
        assertThat(Topics.isValidRoom("x".repeat(65))).isFalse();
    }

    @Test
    void ids_are_time_ordered_uuids_and_timestamps_are_the_seeds_utc_format_with_microseconds() {
        String a = Clocks.uuid7();
        String b = Clocks.uuid7();
        assertThat(UUID.fromString(a).version()).isEqualTo(7);
        assertThat(UUID.fromString(a).variant()).isEqualTo(2);
        assertThat(a).isNotEqualTo(b);
        // the seed's 2025-07-26T11:05:13.675321: no offset, and UTC whatever the clock's zone
        java.time.Instant at = java.time.Instant.parse("2025-07-26T03:05:13.675321Z");
        assertThat(Clocks.timestamp(java.time.Clock.fixed(at, java.time.ZoneId.of("Asia/Shanghai"))))
                .isEqualTo("2025-07-26T03:05:13.675321");
        assertThat(Clocks.format(java.time.OffsetDateTime.parse("2025-07-26T11:05:13.675321+08:00")))
                .isEqualTo("2025-07-26T03:05:13.675321");
    }

    @Test
    void the_rate_limiter_allows_a_burst_then_refills() {
        RateLimiter limiter = new RateLimiter(60, 3);
        long t = 0;
        assertThat(limiter.tryAcquire("c", t)).isTrue();
        assertThat(limiter.tryAcquire("c", t)).isTrue();
        assertThat(limiter.tryAcquire("c", t)).isTrue();
        assertThat(limiter.tryAcquire("c", t)).isFalse();
        assertThat(limiter.tryAcquire("other", t)).isTrue();
        assertThat(limiter.tryAcquire("c", t + 1_000_000_000L)).isTrue();
        assertThat(new RateLimiter(0, 1).tryAcquire("c", t)).isTrue();
    }
}
