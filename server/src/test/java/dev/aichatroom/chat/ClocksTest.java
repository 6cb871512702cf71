package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ClocksTest {
    @Test
    void ids_made_one_after_another_sort_in_the_order_they_were_made_within_a_millisecond_too() {
        // 20,000 ids take a few milliseconds: thousands share one, where random bits alone sort at random
        List<String> made = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            made.add(Clocks.uuid7());
        }
        assertThat(made).isSorted().doesNotHaveDuplicates();
        assertThat(made).allSatisfy(id -> {
            assertThat(UUID.fromString(id).version()).isEqualTo(7);
            assertThat(UUID.fromString(id).variant()).isEqualTo(2);
        });
        long first = Long.parseLong(made.getFirst().replace("-", "").substring(0, 12), 16);
        assertThat(first).isBetween(System.currentTimeMillis() - 60_000, System.currentTimeMillis());
    }
}
