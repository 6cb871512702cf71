package dev.aichatroom.chat;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/** Wire timestamps and message ids. */
public final class Clocks {
    /**
     * The seed's wire format: ISO-8601 date-time with microseconds and no offset, {@code 2025-07-26T11:05:13.675321},
     * always in UTC (PROTOCOL.md, conventions).
     */
    public static final DateTimeFormatter WIRE = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS");

    private static final SecureRandom RANDOM = new SecureRandom();

    private Clocks() {}

    public static String timestamp(Clock clock) {
        return LocalDateTime.ofInstant(clock.instant(), ZoneOffset.UTC).format(WIRE);
    }

    /** The wire form of that instant (in UTC, whatever its offset). */
    public static String format(OffsetDateTime time) {
        return time.withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime().format(WIRE);
    }

    /**
     * The last id's time and sequence: milliseconds since the epoch shifted left by 12, plus the 12-bit counter that
     * RFC 9562 (section 6.2, method 1) puts in {@code rand_a}.
     */
    private static final AtomicLong LAST = new AtomicLong();

    /**
     * A time-ordered UUID (version 7, RFC 9562), monotonic in this process: an id made later sorts after every id made
     * before it, within the same millisecond too (a counter in {@code rand_a} that starts at a random value below
     * 2,048 each millisecond and carries into the time when it runs out). So the order of {@code message_id} is the
     * order in which the service took the messages, which a consumer can restore if the broker swaps two deliveries.
     */
    public static String uuid7() {
        byte[] random = new byte[10]; // 62 bits for rand_b, 11 for where this millisecond's counter starts
        RANDOM.nextBytes(random);
        long now = System.currentTimeMillis() << 12;
        long start = now | ((random[8] & 0x07L) << 8) | (random[9] & 0xFFL);
        long stamp = LAST.updateAndGet(last -> now > last ? start : last + 1);
        long msb = ((stamp >>> 12) << 16) | 0x7000L | (stamp & 0xFFFL);
        long lsb = 0x8000000000000000L | ((random[0] & 0x3FL) << 56);
        for (int i = 1; i < 8; i++) {
            lsb |= (random[i] & 0xFFL) << (8 * (7 - i));
        }
        return new UUID(msb, lsb).toString();
    }
}
