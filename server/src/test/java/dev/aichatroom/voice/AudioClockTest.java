package dev.aichatroom.voice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class AudioClockTest {
    private static Thread clockThread() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("voice-audio-clock") && t.isAlive())
                .findFirst()
                .orElseThrow();
    }

    @Test
    void sleeps_without_a_timer_while_no_session_listens() {
        try (AudioClock clock = new AudioClock()) {
            Thread thread = clockThread();
            // a 10 ms tick with nobody listening wakes the CPU 100 times a second for nothing
            await().atMost(Duration.ofSeconds(10)).until(() -> thread.getState() == Thread.State.WAITING);
        }
    }

    @Test
    void ticks_every_10_ms_while_a_session_listens_and_sleeps_again_when_it_leaves() {
        try (AudioClock clock = new AudioClock()) {
            Thread thread = clockThread();
            AtomicInteger ticks = new AtomicInteger();
            AudioClock.Listener listener = ticks::incrementAndGet;
            clock.add(listener);
            await().atMost(Duration.ofSeconds(10)).until(() -> ticks.get() >= 20);
            clock.remove(listener);
            await().atMost(Duration.ofSeconds(10)).until(() -> thread.getState() == Thread.State.WAITING);
            int after = ticks.get();
            clock.add(listener);
            await().atMost(Duration.ofSeconds(10)).until(() -> ticks.get() >= after + 20);
            clock.remove(listener);
        }
        assertThat(clockThread_gone()).isTrue();
    }

    private static boolean clockThread_gone() {
        return Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals("voice-audio-clock") && t.isAlive());
    }
}
