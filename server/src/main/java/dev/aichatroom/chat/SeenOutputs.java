package dev.aichatroom.chat;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The message ids of the outputs whose copies the witness subscription received (decision 0040): what the broker
 * routed, from any instance, so that an instance taking over a dead one's messages publishes only those the broker had
 * not taken. An id is a UUID (the service's are UUIDv7) kept as two longs in an open-addressing table, 16 bytes a slot
 * at most three quarters full; anything else (not a UUID in its usual lower-case form) is not kept, so a message with
 * such an id is simply published again as before.
 *
 * <p>Kept in two generations: the current one takes new ids and becomes the previous one after {@code keep} (or once
 * it holds {@link #MAX_PER_GENERATION}), which drops the one before. An id is therefore remembered at least {@code
 * keep}, unless more than {@link #MAX_PER_GENERATION} come within {@code keep}: then at least that many of the newest
 * are. At most {@code 2 × 2^18} slots: 8 MiB. Thread-safe (copies are added on the connection's callback thread,
 * looked up at a takeover).
 */
final class SeenOutputs {
    /** Slots in one generation's table at most. */
    static final int MAX_SLOTS = 1 << 18;
    /** Ids one generation holds at most (three quarters of its slots). */
    static final int MAX_PER_GENERATION = MAX_SLOTS / 4 * 3;

    private static final int FIRST_SLOTS = 1 << 10;

    private final long keepNanos;
    private final LongSupplier nanos;
    private Generation current = new Generation(FIRST_SLOTS);
    private Generation previous = new Generation(FIRST_SLOTS);
    private long currentSince;
    /** Generations ended because they were full, not because they were old. */
    private long endedFull;

    SeenOutputs(Duration keep) {
        this(keep, System::nanoTime);
    }

    SeenOutputs(Duration keep, LongSupplier nanos) {
        this.keepNanos = keep.toNanos();
        this.nanos = nanos;
        this.currentSince = nanos.getAsLong();
    }

    /** Remembers {@code messageId}, when it is a UUID. */
    synchronized void add(String messageId) {
        if (!isUuid(messageId)) {
            return;
        }
        age();
        if (current.size >= MAX_PER_GENERATION) {
            endedFull++;
            next();
        }
        current.add(msb(messageId), lsb(messageId));
    }

    /** Whether a copy with {@code messageId} came within the time (and space) kept. */
    synchronized boolean contains(String messageId) {
        if (!isUuid(messageId)) {
            return false;
        }
        age();
        long msb = msb(messageId);
        long lsb = lsb(messageId);
        return current.contains(msb, lsb) || previous.contains(msb, lsb);
    }

    /** Ids remembered now (an id that came again in the next generation counts twice). */
    synchronized int size() {
        age();
        return current.size + previous.size;
    }

    /** How many generations ended early because they were full: ids were then kept less than {@code keep}. */
    synchronized long endedFull() {
        return endedFull;
    }

    private void age() {
        long now = nanos.getAsLong();
        if (now - currentSince >= keepNanos) {
            if (now - currentSince >= 2 * keepNanos) {
                current = new Generation(FIRST_SLOTS); // the previous generation is older than keep too
            }
            next();
        }
    }

    private void next() {
        previous = current;
        current = new Generation(FIRST_SLOTS);
        currentSince = nanos.getAsLong();
    }

    /** A UUID in its lower-case form of 36 characters, not the nil one (a first half of 0 marks a free slot). */
    static boolean isUuid(String id) {
        if (id.length() != 36) {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            char c = id.charAt(i);
            boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
            if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return msb(id) != 0;
    }

    private static long msb(String id) {
        return (hex(id, 0, 8) << 32) | (hex(id, 9, 13) << 16) | hex(id, 14, 18);
    }

    private static long lsb(String id) {
        return (hex(id, 19, 23) << 48) | hex(id, 24, 36);
    }

    /** The hex digits {@code [from, to)} (checked by {@link #isUuid}) as a number. */
    private static long hex(String s, int from, int to) {
        long v = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            v = (v << 4) | (c <= '9' ? c - '0' : c - 'a' + 10);
        }
        return v;
    }

    /** One generation: an open-addressing table of (msb, lsb) pairs, linear probing, msb 0 marks a free slot. */
    private static final class Generation {
        private long[] slots; // msb, lsb interleaved
        private int size;

        Generation(int capacity) {
            slots = new long[2 * capacity];
        }

        void add(long msb, long lsb) {
            if (size + 1 > capacity() / 4 * 3 && capacity() < MAX_SLOTS) {
                grow();
            }
            if (put(slots, msb, lsb)) {
                size++;
            }
        }

        boolean contains(long msb, long lsb) {
            int mask = capacity() - 1;
            for (int i = index(msb, lsb, mask); ; i = (i + 1) & mask) {
                long m = slots[2 * i];
                if (m == 0) {
                    return false;
                }
                if (m == msb && slots[2 * i + 1] == lsb) {
                    return true;
                }
            }
        }

        private int capacity() {
            return slots.length / 2;
        }

        private void grow() {
            long[] bigger = new long[slots.length * 2];
            for (int i = 0; i < slots.length; i += 2) {
                if (slots[i] != 0) {
                    put(bigger, slots[i], slots[i + 1]);
                }
            }
            slots = bigger;
        }

        /** @return whether it was not there yet */
        private static boolean put(long[] table, long msb, long lsb) {
            int mask = table.length / 2 - 1;
            for (int i = index(msb, lsb, mask); ; i = (i + 1) & mask) {
                long m = table[2 * i];
                if (m == 0) {
                    table[2 * i] = msb;
                    table[2 * i + 1] = lsb;
                    return true;
                }
                if (m == msb && table[2 * i + 1] == lsb) {
                    return false;
                }
            }
        }

        private static int index(long msb, long lsb, int mask) {
            long h = (msb ^ Long.rotateLeft(lsb, 29)) * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 32)) & mask;
        }
    }
}
