package dev.aichatroom.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WindowTest {
    @Test
    void reopens_only_when_every_subscriber_has_the_message() throws InterruptedException {
        Window w = new Window(1, 2, 1);

        assertThat(w.acquire(0, 0)).isTrue();
        assertThat(w.acquire(0, 0)).isFalse();
        w.delivered(0, 0);
        assertThat(w.acquire(0, 0)).isFalse();
        w.delivered(0, 0);
        assertThat(w.acquire(0, 0)).isTrue();
    }

    @Test
    void reuses_ring_slots_as_the_window_moves_on() throws InterruptedException {
        Window w = new Window(1, 1, 2);

        for (int seq = 0; seq < 1_000; seq++) {
            assertThat(w.acquire(0, 0)).as("permit for %d", seq).isTrue();
            w.delivered(0, seq);
        }
    }
}
