package dev.aichatroom.bench;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * What one scenario's consumer saw against what the broker acknowledged to the publishers: lost, duplicated and
 * reordered inputs on {@code messages/out}, and how long the output took to recover from the fault.
 */
final class FaultAnalysis {
    /** A message later than this end to end (send → arrival) counts as delayed by the fault. */
    static final long SLOW_NANOS = 1_000_000_000L;

    private FaultAnalysis() {}

    /** Arrivals in order: publisher, sequence number, send and arrival time, the output's {@code message_id}. */
    record Arrivals(int[] pubs, int[] seqs, long[] sent, long[] arrived, String[] ids) {
        int size() {
            return pubs.length;
        }
    }

    /**
     * @param acknowledged inputs whose PUBACK came back without an error
     * @param lost acknowledged inputs that never came out
     * @param duplicates outputs of an input that had come out already
     * @param duplicatesSameId of those, the ones with the first output's {@code message_id} (a republish or a
     *     redelivery of the same message, not the input taken twice)
     * @param reordered first outputs of an input that came after a later input of the same publisher
     * @param unacknowledgedArrived outputs of inputs whose publish failed or had no outcome (not counted as acknowledged)
     * @param delayed inputs that came out more than {@link #SLOW_NANOS} after they were sent
     * @param recoveryNanos from the fault to the arrival of the last delayed input; -1 without a fault
     * @param lostKeys the lost inputs, {@link #key}s
     */
    record Counts(
            long acknowledged,
            long lost,
            long duplicates,
            long duplicatesSameId,
            long reordered,
            long unacknowledgedArrived,
            long delayed,
            long recoveryNanos,
            LatencySummary latency,
            List<Long> lostKeys,
            long[] duplicatesPerPublisher) {}

    static long key(int publisher, int seq) {
        return ((long) publisher << 32) | (seq & 0xffffffffL);
    }

    static Counts analyse(BitSet[] acked, Arrivals a, OptionalLong faultStart) {
        int publishers = acked.length;
        BitSet[] seen = new BitSet[publishers];
        int[] highest = new int[publishers];
        for (int p = 0; p < publishers; p++) {
            seen[p] = new BitSet();
            highest[p] = -1;
        }
        Map<Long, String> firstId = new HashMap<>();
        long duplicates = 0;
        long[] perPublisher = new long[publishers];
        long sameId = 0;
        long reordered = 0;
        long extra = 0;
        long delayed = 0;
        long lastDelayed = Long.MIN_VALUE;
        long[] latencies = new long[a.size()];
        int n = 0;
        for (int i = 0; i < a.size(); i++) {
            int p = a.pubs()[i];
            int s = a.seqs()[i];
            if (p >= publishers) {
                continue;
            }
            long k = key(p, s);
            if (seen[p].get(s)) {
                duplicates++;
                perPublisher[p]++;
                if (!a.ids()[i].isEmpty() && a.ids()[i].equals(firstId.get(k))) {
                    sameId++;
                }
                continue;
            }
            seen[p].set(s);
            firstId.put(k, a.ids()[i]);
            if (s < highest[p]) {
                reordered++;
            }
            highest[p] = Math.max(highest[p], s);
            if (!acked[p].get(s)) {
                extra++;
            }
            long latency = a.arrived()[i] - a.sent()[i];
            latencies[n++] = latency;
            if (latency > SLOW_NANOS) {
                delayed++;
                lastDelayed = Math.max(lastDelayed, a.arrived()[i]);
            }
        }
        long acknowledged = 0;
        List<Long> lostKeys = new ArrayList<>();
        for (int p = 0; p < publishers; p++) {
            acknowledged += acked[p].cardinality();
            BitSet missing = (BitSet) acked[p].clone();
            missing.andNot(seen[p]);
            for (int s = missing.nextSetBit(0); s >= 0; s = missing.nextSetBit(s + 1)) {
                lostKeys.add(key(p, s));
            }
        }
        long recovery = faultStart.isEmpty()
                ? -1
                : lastDelayed == Long.MIN_VALUE ? 0 : Math.max(0, lastDelayed - faultStart.getAsLong());
        return new Counts(
                acknowledged,
                lostKeys.size(),
                duplicates,
                sameId,
                reordered,
                extra,
                delayed,
                recovery,
                LatencySummary.of(latencies, n),
                List.copyOf(lostKeys),
                perPublisher);
    }
}
