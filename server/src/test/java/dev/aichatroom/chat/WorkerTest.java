package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The chat worker's queue: inputs never wait, QoS 0 inputs and tasks are bounded, order is kept. */
@Timeout(30)
class WorkerTest {

    @Test
    void a_flood_of_qos0_inputs_is_refused_beyond_the_capacity_instead_of_growing_memory() {
        try (Worker worker = new Worker("test-worker", 100)) {
            // not opened: nothing is taken, as when the service is behind
            int accepted = 0;
            for (int i = 0; i < 10_000; i++) {
                if (worker.offerInput(() -> {}, true)) {
                    accepted++;
                }
            }
            assertThat(accepted).isEqualTo(100);
            assertThat(worker.queued()).isEqualTo(100);
        }
    }

    @Test
    void inputs_the_broker_would_resend_are_never_refused_and_never_crowded_out_by_tasks() {
        try (Worker worker = new Worker("test-worker", 100)) {
            for (int i = 0; i < 100; i++) {
                assertThat(worker.offer(() -> {})).isTrue();
            }
            assertThat(worker.offer(() -> {})).as("tasks beyond the capacity").isFalse();
            assertThat(worker.offerInput(() -> {}, true))
                    .as("QoS 0 inputs have a budget of their own")
                    .isTrue();
            for (int i = 0; i < 1_000; i++) {
                // bounded by the connection's window, not here: refusing one would strand it unacknowledged
                assertThat(worker.offerInput(() -> {}, false)).isTrue();
            }
        }
    }

    @Test
    void everything_runs_in_the_order_it_came_and_staged_work_is_flushed_before_a_task_and_after_a_burst() {
        List<String> ran = new CopyOnWriteArrayList<>();
        AtomicInteger staged = new AtomicInteger();
        Runnable flush = () -> {
            if (staged.get() > 0) {
                ran.add("flush " + staged.getAndSet(0));
            }
        };
        try (Worker worker = new Worker("test-worker", 100, flush)) {
            worker.offerInput(() -> staged.incrementAndGet(), false);
            worker.offerInput(() -> staged.incrementAndGet(), true);
            worker.offer(() -> ran.add("task"));
            worker.offerInput(() -> staged.incrementAndGet(), false);
            worker.open();
            await().atMost(Duration.ofSeconds(20)).until(() -> ran.size() == 3);
            assertThat(ran).containsExactly("flush 2", "task", "flush 1");
        }
    }

    @Test
    void a_task_offered_when_quiet_waits_for_the_inputs_that_came_after_it_so_their_burst_does_its_work() {
        List<String> ran = new CopyOnWriteArrayList<>();
        AtomicInteger staged = new AtomicInteger();
        Runnable flush = () -> {
            if (staged.get() > 0) {
                ran.add("flush " + staged.getAndSet(0));
            }
        };
        try (Worker worker = new Worker("test-worker", 100, flush)) {
            // the outbox's marking, then the next input: the input's transaction marks along (one commit, not two)
            worker.offerWhenQuiet(() -> ran.add("mark"));
            worker.offerInput(() -> staged.incrementAndGet(), false);
            worker.open();
            await().atMost(Duration.ofSeconds(20)).until(() -> ran.size() == 2);
            assertThat(ran).containsExactly("flush 1", "mark");
        }
    }

    @Test
    void a_task_offered_when_quiet_runs_by_itself_when_no_input_comes() {
        AtomicInteger ran = new AtomicInteger();
        try (Worker worker = new Worker("test-worker", 100)) {
            worker.open();
            worker.offerInput(() -> {}, false);
            assertThat(worker.offerWhenQuiet(ran::incrementAndGet)).isTrue();
            await().atMost(Duration.ofSeconds(20)).until(() -> ran.get() == 1);
            worker.offerWhenQuiet(ran::incrementAndGet);
            await().atMost(Duration.ofSeconds(20)).until(() -> ran.get() == 2);
        }
    }

    @Test
    void a_task_offered_when_quiet_runs_even_while_the_queue_is_never_empty() {
        AtomicInteger ran = new AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean feeding = new java.util.concurrent.atomic.AtomicBoolean(true);
        // a quiet time no pause of the machine reaches, and a short limit
        try (Worker worker = new Worker("test-worker", 100, () -> {}, Duration.ofMinutes(10), Duration.ofMillis(50))) {
            // each input queues the next before it ends: the worker never finds its queue empty
            Runnable input = new Runnable() {
                @Override
                public void run() {
                    if (feeding.get()) {
                        worker.offerInput(this, false);
                    }
                }
            };
            worker.offerInput(input, false);
            worker.offerWhenQuiet(ran::incrementAndGet);
            worker.open();
            await().atMost(Duration.ofSeconds(20)).until(() -> ran.get() == 1);
            assertThat(feeding.get()).as("the inputs were still coming").isTrue();
            feeding.set(false);
        }
    }

    @Test
    void a_task_offered_when_quiet_still_runs_when_the_worker_stops() {
        AtomicInteger ran = new AtomicInteger();
        Worker worker = new Worker("test-worker", 100);
        worker.offerInput(() -> {}, false);
        worker.offerWhenQuiet(ran::incrementAndGet);
        worker.open();
        worker.close(Duration.ofSeconds(20)); // a grace no pause of a loaded machine reaches
        assertThat(ran.get()).isEqualTo(1);
    }

    @Test
    void a_stopping_worker_refuses_everything() {
        Worker worker = new Worker("test-worker", 100);
        worker.open();
        worker.close(Duration.ofSeconds(5));
        assertThat(worker.offer(() -> {})).isFalse();
        assertThat(worker.offerInput(() -> {}, false)).isFalse();
        assertThat(worker.offerInput(() -> {}, true)).isFalse();
    }
}
