package dev.aichatroom.chat;

import java.util.HashMap;
import java.util.Map;

/** A token bucket per key (a connection, a client id, an IP address). Thread-safe: broker threads share one. */
public final class RateLimiter {
    private final double perNano;
    private final int burst;
    private final Map<String, double[]> buckets = new HashMap<>();

    public RateLimiter(int perMinute, int burst) {
        this.perNano = perMinute / 60e9;
        this.burst = Math.max(1, burst);
    }

    public boolean tryAcquire(String key, long nowNanos) {
        return acquire(key, nowNanos) == 0;
    }

    /**
     * Takes a token if there is one.
     *
     * @return 0 when taken, else how many nanoseconds until the next token
     */
    public synchronized long acquire(String key, long nowNanos) {
        if (perNano <= 0) {
            return 0;
        }
        double[] b = buckets.computeIfAbsent(key, k -> new double[] {burst, nowNanos});
        b[0] = Math.min(burst, b[0] + (nowNanos - b[1]) * perNano);
        b[1] = nowNanos;
        if (b[0] >= 1) {
            b[0] -= 1;
            return 0;
        }
        return Math.max(1, (long) Math.ceil((1 - b[0]) / perNano));
    }

    /**
     * Takes a token from each of the buckets when every one has one (a connection's and its account's), else none.
     *
     * @return 0 when taken, else how many nanoseconds until each has a token
     */
    public synchronized long acquireAll(java.util.List<String> keys, long nowNanos) {
        if (perNano <= 0) {
            return 0;
        }
        long wait = 0;
        for (String key : keys) {
            double[] b = buckets.computeIfAbsent(key, k -> new double[] {burst, nowNanos});
            b[0] = Math.min(burst, b[0] + (nowNanos - b[1]) * perNano);
            b[1] = nowNanos;
            if (b[0] < 1) {
                wait = Math.max(wait, Math.max(1, (long) Math.ceil((1 - b[0]) / perNano)));
            }
        }
        if (wait == 0) {
            keys.forEach(key -> buckets.get(key)[0] -= 1);
        }
        return wait;
    }

    /** Forgets buckets that have been full for a while, so memory follows active clients. */
    public synchronized void prune(long nowNanos) {
        if (perNano > 0) {
            buckets.values().removeIf(b -> b[0] + (nowNanos - b[1]) * perNano >= burst);
        }
    }
}
