package dev.aichatroom.bench;

import java.util.Arrays;

/**
 * Percentiles of a set of latencies, by the nearest-rank method: the p-th percentile is the smallest value that at
 * least p percent of the samples do not exceed. Values are nanoseconds; {@link #ms} converts for the report.
 */
public record LatencySummary(long count, long p50, long p90, long p99, long p999, long max, double mean) {
    /** No samples: every statistic is zero and the report prints a dash. */
    public static LatencySummary empty() {
        return new LatencySummary(0, 0, 0, 0, 0, 0, 0);
    }

    /** Summarises the first {@code n} values; sorts that range of the array in place. */
    public static LatencySummary of(long[] values, int n) {
        if (n < 0 || n > values.length) {
            throw new IllegalArgumentException("n = " + n + " is outside 0.." + values.length);
        }
        if (n == 0) {
            return empty();
        }
        Arrays.sort(values, 0, n);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += values[i];
        }
        return new LatencySummary(
                n,
                percentile(values, n, 50),
                percentile(values, n, 90),
                percentile(values, n, 99),
                percentile(values, n, 99.9),
                values[n - 1],
                sum / n);
    }

    /** The nearest-rank percentile of the first {@code n} values of an array sorted ascending. */
    static long percentile(long[] sorted, int n, double p) {
        if (n <= 0 || p <= 0 || p > 100) {
            throw new IllegalArgumentException("percentile " + p + " of " + n + " values");
        }
        int rank = (int) Math.ceil(p / 100.0 * n);
        return sorted[Math.max(0, Math.min(n, rank) - 1)];
    }

    public static double ms(long nanos) {
        return nanos / 1e6;
    }
}
