package dev.aichatroom.web;

import dev.aichatroom.chat.RateLimiter;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/** A per-IP token bucket shared by HTTP handler threads: {@code perMinute} on average, a third of it at once. */
final class PerIpLimiter {
    private static final long PRUNE_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final RateLimiter perIp;
    private final ReentrantLock lock = new ReentrantLock();
    private long lastPrune = System.nanoTime();

    PerIpLimiter(int perMinute) {
        this.perIp = new RateLimiter(perMinute, Math.max(1, perMinute / 3));
    }

    boolean allowed(String ip) {
        long now = System.nanoTime();
        lock.lock();
        try {
            if (now - lastPrune > PRUNE_EVERY_NANOS) {
                perIp.prune(now);
                lastPrune = now;
            }
            return perIp.tryAcquire(ip, now);
        } finally {
            lock.unlock();
        }
    }
}
