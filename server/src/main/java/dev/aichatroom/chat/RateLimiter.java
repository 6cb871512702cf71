package dev.aichatroom.chat;

import java.util.HashMap;
import java.util.Map;

/** A token bucket per key (a client id, an IP address). Not thread-safe: confine it to one thread or guard it. */
public final class RateLimiter {
    private final double perNano;
    private final int burst;
    private final Map<String, double[]> buckets = new HashMap<>();

    public RateLimiter(int perMinute, int burst) {
        this.perNano = perMinute / 60e9;
        this.burst = Math.max(1, burst);
    }

    public boolean tryAcquire(String clientId, long nowNanos) {
        if (perNano <= 0) {
            return true;
        }
        double[] b = buckets.computeIfAbsent(clientId, k -> new double[] {burst, nowNanos});
        b[0] = Math.min(burst, b[0] + (nowNanos - b[1]) * perNano);
        b[1] = nowNanos;
        if (b[0] >= 1) {
            b[0] -= 1;
            return true;
        }
        return false;
    }

    /** Forgets buckets that have been full for a while, so memory follows active clients. */
    public void prune(long nowNanos) {
        if (perNano > 0) {
            buckets.values().removeIf(b -> b[0] + (nowNanos - b[1]) * perNano >= burst);
        }
    }
}
