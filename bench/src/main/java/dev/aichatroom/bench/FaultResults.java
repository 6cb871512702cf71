package dev.aichatroom.bench;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;

/** Everything one fault run measured, as written to {@code docs/benchmarks-faults.json}. */
record FaultResults(Environment environment, Settings settings, List<Outcome> outcomes) {
    FaultResults {
        outcomes = List.copyOf(outcomes);
    }

    record Environment(
            String date,
            int cores,
            String loadBefore,
            String loadAfter,
            String java,
            String os,
            /** The broker's name and version (the field keeps the name of the runs made on Mosquitto alone). */
            String mosquitto,
            long totalSeconds) {}

    record Settings(
            int publishers,
            int messages,
            int rate,
            int burst,
            long keepAliveSeconds,
            long warmupSeconds,
            long faultAfterSeconds,
            long downSeconds,
            int mosquittoAutosave,
            boolean mosquittoAutosaveOnChanges,
            java.util.Map<String, String> productEnv,
            List<String> productJvmArgs,
            String arguments,
            String broker) {
        Settings {
            broker = broker == null ? FaultBroker.Kind.MOSQUITTO.label() : broker;
        }

        static Settings of(FaultConfig c, String args) {
            return new Settings(
                    c.publishers(),
                    c.messages(),
                    c.rate(),
                    c.burst(),
                    c.keepAlive().toSeconds(),
                    c.warmup().toSeconds(),
                    c.faultAfter().toSeconds(),
                    c.down().toSeconds(),
                    c.autosave(),
                    c.autosaveOnChanges(),
                    new java.util.TreeMap<>(c.productEnv()),
                    c.productJvmArgs(),
                    args.isBlank() ? "(defaults)" : args,
                    c.broker().label());
        }
    }

    /**
     * One scenario. Counts are over acknowledged inputs (PUBACK without error) and the one consumer of
     * {@code messages/out}.
     *
     * @param failedPublishes publishes that failed (not acknowledged; others were sent in their place)
     * @param lostNeverStored lost inputs the service never stored (lost in the broker before reaching it); -1 unknown
     * @param lostUnpublished lost inputs stored and never marked published (the service's own loss); -1 unknown
     * @param lostPublished lost inputs stored and marked published: the broker had the output and did not deliver it;
     *     -1 unknown
     * @param recoverySeconds from the fault to the last arrival delayed more than 1 s; -1 without a fault
     */
    record Outcome(
            String scenario,
            String description,
            int instances,
            boolean skipped,
            long sent,
            long failedPublishes,
            long acknowledged,
            long lost,
            long lostNeverStored,
            long lostUnpublished,
            long lostPublished,
            long duplicates,
            long duplicatesSameId,
            long duplicatesWithoutKey,
            long reordered,
            long unacknowledgedArrived,
            long delayed,
            double recoverySeconds,
            double p50Millis,
            double p99Millis,
            double maxMillis,
            double seconds,
            List<String> notes,
            @JsonIgnore int runNumber,
            @JsonIgnore List<Long> lostKeys) {
        Outcome {
            notes = List.copyOf(notes);
            lostKeys = lostKeys == null ? List.of() : List.copyOf(lostKeys);
        }

        static Outcome skipped(FaultKind kind, FaultBroker.Kind broker, String why) {
            return new Outcome(
                    kind.label(),
                    kind.description(broker),
                    kind.instances(),
                    true,
                    0,
                    0,
                    0,
                    0,
                    -1,
                    -1,
                    -1,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    -1,
                    0,
                    0,
                    0,
                    0,
                    List.of(why),
                    0,
                    List.of());
        }

        static Outcome of(
                FaultKind kind, FaultBroker.Kind broker, int run, long sent, long failed, FaultAnalysis.Counts c) {
            return new Outcome(
                    kind.label(),
                    kind.description(broker),
                    kind.instances(),
                    false,
                    sent,
                    failed,
                    c.acknowledged(),
                    c.lost(),
                    c.lost() == 0 ? 0 : -1,
                    c.lost() == 0 ? 0 : -1,
                    c.lost() == 0 ? 0 : -1,
                    c.duplicates(),
                    c.duplicatesSameId(),
                    withoutKey(c.duplicatesPerPublisher()),
                    c.reordered(),
                    c.unacknowledgedArrived(),
                    c.delayed(),
                    c.recoveryNanos() < 0 ? -1 : c.recoveryNanos() / 1e9,
                    LatencySummary.ms(c.latency().p50()),
                    LatencySummary.ms(c.latency().p99()),
                    LatencySummary.ms(c.latency().max()),
                    0,
                    List.of(),
                    run,
                    c.lostKeys());
        }

        /** Odd-numbered publishers send no {@code message_id}. */
        private static long withoutKey(long[] perPublisher) {
            long sum = 0;
            for (int p = 1; p < perPublisher.length; p += 2) {
                sum += perPublisher[p];
            }
            return sum;
        }

        Outcome withFates(FaultStore.Fates f) {
            return with(f.neverStored(), f.unpublished(), f.published(), seconds, notes);
        }

        Outcome withNotes(List<String> moreNotes, double took) {
            return with(lostNeverStored, lostUnpublished, lostPublished, took, moreNotes);
        }

        /** This outcome with the lost inputs' fates, the run's duration and its notes replaced. */
        private Outcome with(
                long neverStored, long unpublished, long published, double newSeconds, List<String> newNotes) {
            return new Outcome(
                    scenario,
                    description,
                    instances,
                    skipped,
                    sent,
                    failedPublishes,
                    acknowledged,
                    lost,
                    neverStored,
                    unpublished,
                    published,
                    duplicates,
                    duplicatesSameId,
                    duplicatesWithoutKey,
                    reordered,
                    unacknowledgedArrived,
                    delayed,
                    recoverySeconds,
                    p50Millis,
                    p99Millis,
                    maxMillis,
                    newSeconds,
                    newNotes,
                    runNumber,
                    lostKeys);
        }
    }
}
