package dev.aichatroom.bench;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * The end-to-end window of the max-throughput run: a publisher takes a permit per message and gets it back once every
 * subscriber has received that message. Deliveries are counted in a ring per publisher, so memory does not grow with
 * the run; a slot is reused only after the window has moved a whole ring past it.
 */
final class Window {
    private final int subscribers;
    private final Semaphore[] permits;
    private final AtomicIntegerArray[] arrivals;
    private final int mask;

    Window(int publishers, int subscribers, int size) {
        this.subscribers = subscribers;
        this.permits = new Semaphore[publishers];
        this.arrivals = new AtomicIntegerArray[publishers];
        int ring = Integer.highestOneBit(Math.max(16, size * 4) - 1) << 1;
        this.mask = ring - 1;
        for (int p = 0; p < publishers; p++) {
            permits[p] = new Semaphore(size);
            arrivals[p] = new AtomicIntegerArray(ring);
        }
    }

    boolean acquire(int publisher, long timeoutMillis) throws InterruptedException {
        return permits[publisher].tryAcquire(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    void release(int publisher) {
        permits[publisher].release();
    }

    /** Called from the subscribers' MQTT callbacks: never blocks. */
    void delivered(int publisher, int seq) {
        if (publisher >= arrivals.length) {
            return;
        }
        AtomicIntegerArray ring = arrivals[publisher];
        int slot = seq & mask;
        if (ring.incrementAndGet(slot) == subscribers) {
            ring.set(slot, 0);
            permits[publisher].release();
        }
    }
}
