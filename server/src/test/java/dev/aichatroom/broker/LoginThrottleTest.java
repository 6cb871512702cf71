package dev.aichatroom.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aichatroom.testing.MutableClock;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-05T00:00:00Z"));
    private final LoginThrottle throttle = new LoginThrottle(3, Duration.ofSeconds(60), clock);
    private final InetAddress attacker = InetAddress.getLoopbackAddress();

    @Test
    void the_failure_that_reaches_the_limit_starts_a_ban_and_it_ends() {
        assertThat(throttle.failed(attacker)).isEmpty();
        assertThat(throttle.failed(attacker)).isEmpty();
        assertThat(throttle.bannedUntil(attacker)).isEmpty();
        assertThat(throttle.failed(attacker)).contains(Duration.ofSeconds(60));
        assertThat(throttle.bannedUntil(attacker)).isPresent();
        clock.advance(Duration.ofSeconds(61));
        assertThat(throttle.bannedUntil(attacker)).isEmpty();
    }

    @Test
    void failures_spread_over_more_than_a_minute_do_not_ban() {
        throttle.failed(attacker);
        throttle.failed(attacker);
        clock.advance(Duration.ofSeconds(61));
        assertThat(throttle.failed(attacker)).isEmpty();
        assertThat(throttle.bannedUntil(attacker)).isEmpty();
    }

    @Test
    void each_ban_in_a_row_doubles_up_to_an_hour() {
        Duration ban = Duration.ZERO;
        for (int round = 0; round < 8; round++) {
            for (int i = 0; i < 3; i++) {
                ban = throttle.failed(attacker).orElse(ban);
            }
            clock.advance(ban.plusSeconds(1));
        }
        assertThat(ban).isEqualTo(BrokerLimits.MAX_BAN);
    }

    @Test
    void failures_during_a_ban_do_not_extend_it() {
        for (int i = 0; i < 3; i++) {
            throttle.failed(attacker);
        }
        Instant until = throttle.bannedUntil(attacker).orElseThrow();
        clock.advance(Duration.ofSeconds(30));
        assertThat(throttle.failed(attacker)).isEmpty();
        assertThat(throttle.bannedUntil(attacker)).contains(until);
    }

    @Test
    void zero_failures_means_never_banned() {
        LoginThrottle off = new LoginThrottle(0, Duration.ofSeconds(60), clock);
        for (int i = 0; i < 100; i++) {
            assertThat(off.failed(attacker)).isEmpty();
        }
        assertThat(off.bannedUntil(attacker)).isEmpty();
        assertThat(off.tracked()).isZero();
    }
}
