package dev.aichatroom.chat;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.UUID;

/** Wire timestamps and message ids. */
public final class Clocks {
    /** ISO-8601 local date-time with microseconds and offset: {@code 2025-07-26T11:05:13.675321+08:00}. */
    public static final DateTimeFormatter WIRE = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSxxx");

    private static final SecureRandom RANDOM = new SecureRandom();

    private Clocks() {}

    public static String timestamp(Clock clock) {
        return OffsetDateTime.now(clock).format(WIRE);
    }

    public static String format(OffsetDateTime time) {
        return time.format(WIRE);
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
