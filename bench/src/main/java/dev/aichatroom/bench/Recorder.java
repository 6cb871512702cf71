package dev.aichatroom.bench;

import java.util.BitSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Everything one subscriber received in one run: for each message its publisher, sequence number, send time and
 * arrival time. {@link #record} runs on the MQTT client's callback thread and only appends; {@link #analyse} runs
 * once the run is over.
 */
final class Recorder {
    /** Told of each delivery as it arrives (the max-throughput window); must not block. */
    @FunctionalInterface
    interface Listener {
        void delivered(int publisher, int seq);
    }

    private final int run;
    private final int publishers;
    private final Listener listener;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong foreign = new AtomicLong();
    private final ArrivalLog log = new ArrivalLog(false);

    Recorder(int run, int publishers, Listener listener) {
        this.run = run;
        this.publishers = publishers;
        this.listener = listener;
    }

    void record(byte[] payload, long arrivedNanos) {
        Marker m = Marker.find(payload).orElse(null);
        if (m == null || m.run() != run || m.publisher() >= publishers) {
            foreign.incrementAndGet();
            return;
        }
        lock.lock();
        try {
            log.add(m, arrivedNanos, "");
        } finally {
            lock.unlock();
        }
        received.incrementAndGet();
        listener.delivered(m.publisher(), m.seq());
    }

    /** Messages of this run received so far, duplicates included. */
    long received() {
        return received.get();
    }

    /** What one subscriber saw, against what the publishers sent. */
    record Analysis(
            long unique,
            long duplicates,
            long foreign,
            long arrivedInWindow,
            long[] latencies,
            int latencyCount,
            long[] sentAt) {}

    /**
     * @param measuredFrom per publisher, the first sequence number sent in the measured phase
     * @param measuredTo per publisher, one past the last sequence number sent in the measured phase
     * @param windowStart start of the measured phase, on the nanoTime clock
     * @param windowEnd end of the measured phase
     */
    Analysis analyse(int[] measuredFrom, int[] measuredTo, long windowStart, long windowEnd) {
        lock.lock();
        try {
            BitSet[] seen = new BitSet[publishers];
            for (int p = 0; p < publishers; p++) {
                seen[p] = new BitSet();
            }
            long unique = 0;
            long duplicates = 0;
            long inWindow = 0;
            long[] latencies = new long[log.size()];
            long[] sentAt = new long[log.size()];
            int n = 0;
            for (int i = 0; i < log.size(); i++) {
                int p = log.publisher(i);
                int s = log.seq(i);
                if (seen[p].get(s)) {
                    duplicates++;
                    continue;
                }
                seen[p].set(s);
                unique++;
                if (s >= measuredFrom[p] && s < measuredTo[p]) {
                    sentAt[n] = log.sent(i);
                    latencies[n++] = log.arrived(i) - log.sent(i);
                }
                if (log.arrived(i) >= windowStart && log.arrived(i) < windowEnd) {
                    inWindow++;
                }
            }
            return new Analysis(unique, duplicates, foreign.get(), inWindow, latencies, n, sentAt);
        } finally {
            lock.unlock();
        }
    }
}
