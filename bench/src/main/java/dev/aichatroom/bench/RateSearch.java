package dev.aichatroom.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The highest offered rate a path keeps up with: open-loop fixed-rate steps, growing by half while the path keeps up,
 * then halving the gap between the last step it kept up with and the first it did not until they are within 10 %.
 *
 * <p>A closed-loop run with a window of messages in flight measures how fast the path turns a message around as much
 * as how many it can carry (throughput = messages in flight ÷ round trip): a path that is slower per message but
 * carries as many reads as a smaller capacity. This search asks the question an operator asks instead: what rate can
 * be offered for good.
 */
final class RateSearch {
    /** The finer end of the search: the failed rate is within this factor of the passed one. */
    static final double RESOLUTION = 1.10;

    /** Steps at most, so that a path that never settles cannot make the bench run for ever. */
    static final int MAX_STEPS = 8;

    private static final double GROWTH = 1.5;

    /** What one step at a rate showed. */
    record Step(int rate, RunResult result, boolean keptUp) {}

    /** One step at a rate: runs the path at that offered rate and reports whether it kept up. */
    @FunctionalInterface
    interface Path {
        Step run(int rate) throws InterruptedException;
    }

    /** The steps taken and the highest one the path kept up with, if any. */
    record Outcome(List<Step> steps, Optional<Step> sustained) {}

    private RateSearch() {}

    /**
     * Whether a fixed-rate run kept up with its offered rate: nothing lost, repeated, refused or failed, at least 97 %
     * of the rate delivered per subscriber, and a p99 under the bound (a backlog that grows through the run shows as a
     * latency that grows with it).
     */
    static boolean keptUp(RunResult r, int rate, long p99BoundNanos) {
        return !r.hasProblems()
                && r.deliveredPerSecond() >= 0.97 * rate
                && r.latency().p99() <= p99BoundNanos;
    }

    /**
     * @param start the first rate tried (e.g. what the closed-loop run delivered)
     */
    static Outcome search(int start, Path path) throws InterruptedException {
        List<Step> steps = new ArrayList<>();
        Optional<Step> passed = Optional.empty();
        Optional<Step> failed = Optional.empty();
        int rate = Math.max(1, start);
        while (steps.size() < MAX_STEPS) {
            Step step = path.run(rate);
            steps.add(step);
            if (step.keptUp()) {
                passed = Optional.of(step);
            } else {
                failed = Optional.of(step);
            }
            int next;
            if (failed.isEmpty()) {
                next = (int) Math.min(Integer.MAX_VALUE, Math.ceil(rate * GROWTH));
            } else if (passed.isEmpty()) {
                next = (int) Math.floor(rate / GROWTH);
            } else {
                int lo = passed.get().rate();
                int hi = failed.get().rate();
                if (hi <= lo * RESOLUTION || hi - lo <= 1) {
                    break;
                }
                next = (int) Math.round(Math.sqrt((double) lo * hi));
            }
            if (next < 1 || next == rate) {
                break;
            }
            rate = next;
        }
        return new Outcome(List.copyOf(steps), passed);
    }
}
