package dev.aichatroom.broker;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bans an address for a while after too many wrong logins within a minute; each ban that follows another within
 * {@link BrokerLimits#MAX_BAN} lasts twice as long, up to {@link BrokerLimits#MAX_BAN}. Bounded: at most
 * {@link #MAX_TRACKED} addresses are remembered (the oldest records are dropped first when they have expired; beyond
 * that, new addresses are not tracked).
 */
final class LoginThrottle {
    static final Duration WINDOW = Duration.ofMinutes(1);
    static final int MAX_TRACKED = 50_000;

    private record Record(Instant windowStart, int failures, int bans, Instant bannedUntil) {}

    private final int maxFailures;
    private final Duration firstBan;
    private final Clock clock;
    private final Map<InetAddress, Record> records = new ConcurrentHashMap<>();

    LoginThrottle(int maxFailures, Duration firstBan, Clock clock) {
        this.maxFailures = maxFailures;
        this.firstBan = firstBan;
        this.clock = clock;
    }

    /** Until when the address is banned, if it is. */
    Optional<Instant> bannedUntil(InetAddress address) {
        Record r = records.get(address);
        Instant now = clock.instant();
        return r != null && r.bannedUntil().isAfter(now) ? Optional.of(r.bannedUntil()) : Optional.empty();
    }

    /** Counts a wrong login; returns the ban's length when this one starts a ban. */
    Optional<Duration> failed(InetAddress address) {
        if (maxFailures <= 0) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        if (!records.containsKey(address) && records.size() >= MAX_TRACKED) {
            records.values().removeIf(r -> expired(r, now));
            if (records.size() >= MAX_TRACKED) {
                return Optional.empty();
            }
        }
        Record[] before = new Record[1];
        Record after = records.compute(address, (a, r) -> {
            before[0] = r;
            return next(r, now);
        });
        boolean started = after.bans() > 0
                && after.bannedUntil().isAfter(now)
                && (before[0] == null || !before[0].bannedUntil().equals(after.bannedUntil()));
        return started ? Optional.of(Duration.between(now, after.bannedUntil())) : Optional.empty();
    }

    private Record next(Record r, Instant now) {
        if (r == null || expired(r, now)) {
            r = new Record(now, 0, 0, Instant.EPOCH);
        }
        if (r.bannedUntil().isAfter(now)) {
            return r;
        }
        boolean inWindow = now.isBefore(r.windowStart().plus(WINDOW));
        int failures = (inWindow ? r.failures() : 0) + 1;
        Instant windowStart = inWindow ? r.windowStart() : now;
        if (failures < maxFailures) {
            return new Record(windowStart, failures, r.bans(), r.bannedUntil());
        }
        int bans = r.bans() + 1;
        return new Record(now, 0, bans, now.plus(banLength(bans)));
    }

    private Duration banLength(int bans) {
        Duration length = firstBan.multipliedBy(1L << Math.min(bans - 1, 20));
        return length.compareTo(BrokerLimits.MAX_BAN) > 0 ? BrokerLimits.MAX_BAN : length;
    }

    /** Nothing worth remembering: no ban running, none recent enough to double the next, no failures in the window. */
    private static boolean expired(Record r, Instant now) {
        return !now.isBefore(r.bannedUntil().plus(BrokerLimits.MAX_BAN))
                && !now.isBefore(r.windowStart().plus(WINDOW));
    }

    int tracked() {
        return records.size();
    }
}
