package dev.aichatroom.chat;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread that runs tasks in order from a bounded queue. {@link #offer} refuses a task when the queue is full;
 * {@link #put} waits for room instead, so a producer that must not drop its task (an input the broker will not
 * resend while the service holds it unacknowledged) is slowed down rather than refused.
 *
 * <p>Group commit: the thread takes whatever is queued (up to {@link #BATCH}) at once. Tasks queued with {@link
 * #putBatched} may leave work staged (messages to store); the worker runs {@code flush} before any other task and after
 * the last one it took, so staged work is stored in one transaction per burst and nothing runs out of order.
 */
final class Worker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
    private static final long POLL_MILLIS = 100;
    /** At most this many tasks are taken at once, so a batch's transaction stays short. */
    static final int BATCH = 256;

    /** A task that may leave staged work for {@link #flush}. */
    private record Batched(Runnable task) implements Runnable {
        @Override
        public void run() {
            task.run();
        }
    }

    private final BlockingQueue<Runnable> queue;
    private final Thread thread;
    private final Runnable flush;
    private final java.util.List<Runnable> taken = new java.util.ArrayList<>(BATCH);
    private final java.util.concurrent.CountDownLatch open = new java.util.concurrent.CountDownLatch(1);
    private volatile boolean closing;
    private volatile boolean stopped;

    Worker(String name, int capacity) {
        this(name, capacity, () -> {});
    }

    /** @param flush stores what the batched tasks staged; runs on the worker thread */
    Worker(String name, int capacity, Runnable flush) {
        this.flush = flush;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.thread = Thread.ofVirtual().name(name).start(this::run);
    }

    /** Queues a task unless the queue is full or the worker is stopping. */
    boolean offer(Runnable task) {
        return !closing && queue.offer(task);
    }

    /**
     * Queues a task, waiting while the queue is full.
     *
     * @return false when the worker stops (or the caller is interrupted) before there is room
     */
    boolean put(Runnable task) {
        return putTask(task);
    }

    /** Like {@link #put}, for a task that may stage work which the worker flushes before the next other task. */
    boolean putBatched(Runnable task) {
        return putTask(new Batched(task));
    }

    private boolean putTask(Runnable task) {
        try {
            while (!closing) {
                if (queue.offer(task, POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                    return true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    /** Starts running tasks: until then they wait in the queue (while what came before them is done). */
    void open() {
        open.countDown();
    }

    int queued() {
        return queue.size();
    }

    private void run() {
        try {
            while (!closing && !open.await(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                // waiting to be opened
            }
        } catch (InterruptedException e) {
            return;
        }
        while (!stopped && !(closing && queue.isEmpty())) {
            Runnable task;
            try {
                task = queue.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (task == null) {
                continue;
            }
            taken.add(task);
            queue.drainTo(taken, BATCH - 1);
            for (Runnable t : taken) {
                if (stopped) {
                    break; // dropped: inputs among them stay unacknowledged
                }
                if (!(t instanceof Batched)) {
                    runSafely(flush);
                }
                runSafely(t);
            }
            taken.clear();
            runSafely(flush);
        }
    }

    private static void runSafely(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            LOG.error("Chat task failed", e);
        }
    }

    /** Runs what is queued for at most {@code grace}, then drops the rest (inputs among them stay unacknowledged). */
    void close(Duration grace) {
        closing = true;
        try {
            if (!thread.join(grace)) {
                stopped = true;
                thread.interrupt();
                thread.join(Duration.ofSeconds(2));
                LOG.warn("Chat worker stopped with {} task(s) still queued", queue.size());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
