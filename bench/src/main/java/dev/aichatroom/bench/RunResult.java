package dev.aichatroom.bench;

/**
 * The outcome of one {@link Scenario}.
 *
 * @param sent messages published over the whole run, warm-up included
 * @param offeredPerSecond messages published per second in the measured phase, all publishers together
 * @param deliveredPerSecond messages that arrived per second in the measured phase, per subscriber (mean)
 * @param latency send → arrival of the messages sent in the measured phase, all subscribers together
 * @param lost messages sent but never received, summed over subscribers (whole run)
 * @param duplicates messages received more than once, summed over subscribers
 * @param foreign messages received that this run did not send (late ones of an earlier run)
 * @param publishErrors publishes the broker refused or that failed
 * @param rejected error replies the chat service sent to the publishers
 * @param stalled a publisher stopped because its window stayed closed (messages lost)
 */
public record RunResult(
        Scenario scenario,
        int publishers,
        int subscribers,
        double measuredSeconds,
        long sent,
        double offeredPerSecond,
        double deliveredPerSecond,
        LatencySummary latency,
        long lost,
        long duplicates,
        long foreign,
        long publishErrors,
        long rejected,
        boolean stalled) {
    /** Anything that makes the numbers of this run suspect. */
    public boolean hasProblems() {
        return lost > 0 || duplicates > 0 || publishErrors > 0 || rejected > 0 || stalled;
    }
}
