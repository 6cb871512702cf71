package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The ids of the copies the witness received, kept a bounded time in a bounded space (decision 0040). */
class SeenOutputsTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final SeenOutputs seen = new SeenOutputs(Duration.ofSeconds(10), now::get);
    private final java.util.SplittableRandom random = new java.util.SplittableRandom(12);

    /** A UUIDv7-shaped id, without the cost of a secure random per id. */
    private String id() {
        long msb = (random.nextLong() & ~0xF000L) | 0x7000L;
        long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }

    @Test
    void remembers_uuids_in_their_usual_form_and_nothing_else() {
        String id = Clocks.uuid7();
        seen.add(id);
        seen.add("id-in-window-1");
        seen.add(id.toUpperCase(java.util.Locale.ROOT));
        seen.add("00000000-0000-0000-0000-000000000000");
        assertThat(seen.contains(id)).isTrue();
        assertThat(seen.contains("id-in-window-1")).isFalse();
        assertThat(seen.contains(id.toUpperCase(java.util.Locale.ROOT))).isFalse();
        assertThat(seen.contains(id.replace('-', '_'))).isFalse();
        assertThat(seen.contains(Clocks.uuid7())).as("one that never came").isFalse();
        assertThat(seen.size()).isEqualTo(1);
    }

    @Test
    void an_id_is_kept_at_least_as_long_as_asked_and_forgotten_after_twice_that() {
        String old = Clocks.uuid7();
        seen.add(old);
        now.addAndGet(Duration.ofSeconds(11).toNanos());
        String newer = Clocks.uuid7();
        seen.add(newer); // a new generation from here
        now.addAndGet(Duration.ofSeconds(4).toNanos()); // 15 s
        assertThat(seen.contains(old)).isTrue();
        assertThat(seen.contains(newer)).isTrue();
        now.addAndGet(Duration.ofSeconds(6).toNanos()); // 21 s
        assertThat(seen.contains(old)).as("kept 21 s").isFalse();
        assertThat(seen.contains(newer)).as("kept 10 s so far").isTrue();
        now.addAndGet(Duration.ofSeconds(20).toNanos());
        assertThat(seen.contains(newer)).isFalse();
        assertThat(seen.size()).isZero();
    }

    @Test
    void many_ids_are_all_found_as_the_table_grows() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            String id = i % 1000 == 0 ? Clocks.uuid7() : id();
            ids.add(id);
            seen.add(id);
        }
        assertThat(ids).allMatch(seen::contains);
        assertThat(seen.size()).isEqualTo(100_000);
        assertThat(seen.contains(Clocks.uuid7())).isFalse();
        assertThat(seen.endedFull()).isZero();
    }

    @Test
    void more_ids_than_a_generation_holds_keep_at_least_that_many_of_the_newest() {
        int n = SeenOutputs.MAX_PER_GENERATION * 2 + 10;
        List<String> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String id = id();
            ids.add(id);
            seen.add(id);
        }
        assertThat(seen.endedFull()).isEqualTo(2);
        assertThat(ids.subList(n - SeenOutputs.MAX_PER_GENERATION, n)).allMatch(seen::contains);
        assertThat(seen.contains(ids.get(0)))
                .as("the oldest went to bound the memory")
                .isFalse();
        assertThat(seen.size()).isLessThanOrEqualTo(2 * SeenOutputs.MAX_PER_GENERATION);
    }
}
