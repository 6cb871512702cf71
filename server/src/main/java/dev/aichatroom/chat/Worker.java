package dev.aichatroom.chat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread that runs tasks in order from one queue. {@link #offer} refuses a task when {@code capacity} tasks already
 * wait or the worker is stopping. Inputs ({@link #offerInput}) never wait and are never crowded out by tasks: they are
 * handed over on the MQTT client's callback thread, which must not block, and what bounds them is the connection (the
 * broker sends no more unacknowledged QoS 1 inputs than its window, decision 0018); inputs the broker will not resend
 * (QoS 0) are refused beyond {@code capacity} waiting, as an MQTT client that cannot keep up drops them.
 *
 * <p>Group commit: the thread takes whatever is queued (up to {@link #BATCH}) at once. Inputs may leave work staged
 * (messages to store); the worker runs {@code flush} before any other task and after the last one it took, so staged
 * work is stored in one transaction per burst and nothing runs out of order.
 *
 * <p>Tasks offered {@link #offerWhenQuiet when quiet} (the outbox's marking) wait until no input has come for {@link
 * #QUIET}, at most {@link #QUIET_LIMIT}: the next burst's transaction does their work along with its own (one commit
 * instead of two, issue 13).
 *
 * <p>A platform thread: the store's SQLite calls (JNI) would pin a virtual thread's carrier anyway, and every input
 * wakes this thread, which costs less without the virtual-thread scheduler in between (issue 13).
 */
final class Worker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
    private static final long POLL_MILLIS = 100;
    /** At most this many tasks are taken at once, so a batch's transaction stays short. */
    static final int BATCH = 256;
    /**
     * How long a task offered {@link #offerWhenQuiet when quiet} waits for inputs after the last one: longer than the
     * gap between inputs at 1,000 msg/s, short next to what a client waits for its acknowledgement.
     */
    static final Duration QUIET = Duration.ofMillis(2);
    /** The longest a task offered when quiet waits, however closely inputs follow each other. */
    static final Duration QUIET_LIMIT = Duration.ofMillis(20);

    private enum Kind {
        TASK,
        INPUT,
        DROPPABLE_INPUT,
        WHEN_QUIET
    }

    /** A queued task; inputs may leave staged work for {@link #flush}. */
    private record Item(Runnable task, Kind kind) {}

    private final BlockingQueue<Item> queue = new LinkedBlockingQueue<>();
    private final int capacity;
    /** Tasks waiting (not inputs): at most {@link #capacity}. */
    private final AtomicInteger tasks = new AtomicInteger();
    /** QoS 0 inputs waiting: at most {@link #capacity}. */
    private final AtomicInteger droppable = new AtomicInteger();

    private final Thread thread;
    private final Runnable flush;
    private final long quietNanos;
    private final long quietLimitNanos;
    private final java.util.List<Item> taken = new java.util.ArrayList<>(BATCH);
    /** Tasks offered when quiet, waiting for {@link #quietFrom}; only the worker thread touches them. */
    private final java.util.List<Runnable> whenQuiet = new java.util.ArrayList<>();
    /** When the tasks in {@link #whenQuiet} may run (nanoTime): {@link #QUIET} after the last input. */
    private long quietFrom;
    /** When the first of the tasks in {@link #whenQuiet} was taken (nanoTime): they run {@link #QUIET_LIMIT} after. */
    private long waitingSince;

    private final java.util.concurrent.CountDownLatch open = new java.util.concurrent.CountDownLatch(1);
    private volatile boolean closing;
    private volatile boolean stopped;

    Worker(String name, int capacity) {
        this(name, capacity, () -> {});
    }

    /** @param flush stores what the inputs staged; runs on the worker thread */
    Worker(String name, int capacity, Runnable flush) {
        this(name, capacity, flush, QUIET, QUIET_LIMIT);
    }

    /**
     * @param quiet how long a task offered when quiet waits after the last input
     * @param quietLimit the longest it waits
     */
    Worker(String name, int capacity, Runnable flush, Duration quiet, Duration quietLimit) {
        this.flush = flush;
        this.capacity = capacity;
        this.quietNanos = quiet.toNanos();
        this.quietLimitNanos = quietLimit.toNanos();
        this.thread = Thread.ofPlatform().name(name).daemon(true).start(this::run);
    }

    /** Queues a task unless {@code capacity} tasks wait already or the worker is stopping. */
    boolean offer(Runnable task) {
        return enqueue(new Item(task, Kind.TASK), tasks);
    }

    /**
     * Queues an input without ever waiting (the caller may be the MQTT client's callback thread).
     *
     * @param atMostOnce the broker will not resend it (QoS 0): refused while {@code capacity} such inputs wait
     * @return false when the worker stops, or for an input the broker will not resend when too many wait
     */
    boolean offerInput(Runnable task, boolean atMostOnce) {
        if (atMostOnce) {
            return enqueue(new Item(task, Kind.DROPPABLE_INPUT), droppable);
        }
        if (closing) {
            return false;
        }
        queue.add(new Item(task, Kind.INPUT));
        return true;
    }

    /**
     * Queues a task that runs once no input has come for {@link #QUIET}, or after {@link #QUIET_LIMIT} if inputs keep
     * coming (the tasks' budget applies): work the next
     * burst's {@code flush} can do along with its own, such as marking what the broker has taken.
     */
    boolean offerWhenQuiet(Runnable task) {
        return enqueue(new Item(task, Kind.WHEN_QUIET), tasks);
    }

    private boolean enqueue(Item item, AtomicInteger count) {
        if (closing) {
            return false;
        }
        if (count.incrementAndGet() > capacity) {
            count.decrementAndGet();
            return false;
        }
        queue.add(item);
        return true;
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
            Item first;
            try {
                first = queue.poll(pollNanos(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (first == null) {
                runWhenQuiet();
                continue;
            }
            taken.add(first);
            queue.drainTo(taken, BATCH - 1);
            for (Item item : taken) {
                switch (item.kind()) {
                    case TASK, WHEN_QUIET -> tasks.decrementAndGet();
                    case DROPPABLE_INPUT -> droppable.decrementAndGet();
                    case INPUT -> {}
                }
            }
            boolean inputs = false;
            for (Item item : taken) {
                if (stopped) {
                    break; // dropped: inputs among them stay unacknowledged
                }
                switch (item.kind()) {
                    case WHEN_QUIET -> {
                        if (whenQuiet.isEmpty()) {
                            waitingSince = System.nanoTime();
                        }
                        whenQuiet.add(item.task());
                    }
                    case TASK -> {
                        runSafely(flush);
                        runSafely(item.task());
                    }
                    case INPUT, DROPPABLE_INPUT -> {
                        inputs = true;
                        runSafely(item.task());
                    }
                }
            }
            taken.clear();
            runSafely(flush);
            if (inputs) {
                quietFrom = System.nanoTime() + quietNanos;
            }
            runWhenQuiet();
        }
        runWhenQuiet(); // stopping
    }

    /** How long to wait for the next item: until the tasks offered when quiet are due, if there are any. */
    private long pollNanos() {
        long poll = TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS);
        return whenQuiet.isEmpty() ? poll : Math.max(0, Math.min(poll, dueIn()));
    }

    /** Nanoseconds until the tasks offered when quiet are due (negative: overdue). */
    private long dueIn() {
        long now = System.nanoTime();
        return Math.min(quietFrom - now, waitingSince + quietLimitNanos - now);
    }

    /** Runs the tasks offered when quiet once they are due (after a flush: nothing is staged). */
    private void runWhenQuiet() {
        if (whenQuiet.isEmpty() || (!closing && dueIn() > 0)) {
            return;
        }
        List<Runnable> due = List.copyOf(whenQuiet);
        whenQuiet.clear();
        for (Runnable task : due) {
            if (!stopped) {
                runSafely(task);
            }
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
