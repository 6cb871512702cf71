package dev.aichatroom.bench;

import java.util.Arrays;

/**
 * Arrivals in order, as parallel arrays that grow: for each, its publisher, sequence number, send and arrival time
 * ({@code System.nanoTime}) and, when kept, the output's {@code message_id}. Not thread-safe: its owner locks.
 */
final class ArrivalLog {
    private int size;
    private int[] pubs = new int[1 << 16];
    private int[] seqs = new int[1 << 16];
    private long[] sent = new long[1 << 16];
    private long[] arrived = new long[1 << 16];
    private final String[] noIds = new String[0];
    private String[] ids;

    /** @param keepIds whether {@link #add} keeps each arrival's {@code message_id} */
    ArrivalLog(boolean keepIds) {
        ids = keepIds ? new String[1 << 16] : noIds;
    }

    void add(Marker m, long arrivedNanos, String id) {
        if (size == pubs.length) {
            int n = size * 2;
            pubs = Arrays.copyOf(pubs, n);
            seqs = Arrays.copyOf(seqs, n);
            sent = Arrays.copyOf(sent, n);
            arrived = Arrays.copyOf(arrived, n);
            if (ids != noIds) {
                ids = Arrays.copyOf(ids, n);
            }
        }
        pubs[size] = m.publisher();
        seqs[size] = m.seq();
        sent[size] = m.sentNanos();
        arrived[size] = arrivedNanos;
        if (ids != noIds) {
            ids[size] = id;
        }
        size++;
    }

    int size() {
        return size;
    }

    int publisher(int i) {
        return pubs[i];
    }

    int seq(int i) {
        return seqs[i];
    }

    long sent(int i) {
        return sent[i];
    }

    long arrived(int i) {
        return arrived[i];
    }

    /** A copy of everything logged so far (no ids if none were kept). */
    FaultAnalysis.Arrivals snapshot() {
        return new FaultAnalysis.Arrivals(
                Arrays.copyOf(pubs, size),
                Arrays.copyOf(seqs, size),
                Arrays.copyOf(sent, size),
                Arrays.copyOf(arrived, size),
                Arrays.copyOf(ids == noIds ? new String[size] : ids, size));
    }
}
