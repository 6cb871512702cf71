package dev.aichatroom.chat;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.UUID;

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

    /** A time-ordered UUID (version 7, RFC 9562). */
    public static String uuid7() {
        long millis = System.currentTimeMillis();
        byte[] random = new byte[10];
        RANDOM.nextBytes(random);
        long msb = (millis << 16) | 0x7000L | ((random[0] & 0x0FL) << 8) | (random[1] & 0xFFL);
        long lsb = 0x8000000000000000L | ((random[2] & 0x3FL) << 56);
        for (int i = 3; i < 10; i++) {
            lsb |= (random[i] & 0xFFL) << (8 * (9 - i));
        }
        return new UUID(msb, lsb).toString();
    }
}
