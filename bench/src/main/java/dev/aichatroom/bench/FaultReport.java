package dev.aichatroom.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Writes the fault run: the JSON whole, and its Markdown between {@link #BEGIN} and {@link #END} in the bench's report
 * (everything outside the markers is left as it is; without them the block is appended).
 */
final class FaultReport {
    static final String BEGIN = "<!-- faults:begin -->";
    static final String END = "<!-- faults:end -->";
    /** Runs on ActiveMQ Artemis go to a block of their own, so that they do not replace the Mosquitto runs. */
    static final String ARTEMIS_BEGIN = "<!-- faults-artemis:begin -->";

    static final String ARTEMIS_END = "<!-- faults-artemis:end -->";

    private static boolean onArtemis(FaultResults r) {
        return r.settings().broker().equals(FaultBroker.Kind.ARTEMIS.label());
    }

    private FaultReport() {}

    static void write(FaultResults results, Path markdown, Path json) {
        try {
            Files.createDirectories(json.toAbsolutePath().getParent());
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), results);
            String old = Files.exists(markdown) ? Files.readString(markdown, StandardCharsets.UTF_8) : "";
            String updated = onArtemis(results)
                    ? splice(old, block(results), ARTEMIS_BEGIN, ARTEMIS_END)
                    : splice(old, block(results));
            Files.writeString(markdown, updated, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BenchException("cannot write the fault report: " + e.getMessage(), e);
        }
    }

    /** {@code document} with its faults block replaced by {@code block} (which includes the markers). */
    static String splice(String document, String block) {
        return splice(document, block, BEGIN, END);
    }

    static String splice(String document, String block, String beginMarker, String endMarker) {
        int begin = document.indexOf(beginMarker);
        int end = document.indexOf(endMarker);
        if (begin >= 0 && end > begin) {
            return document.substring(0, begin) + block + document.substring(end + endMarker.length());
        }
        String sep = document.isEmpty() || document.endsWith("\n\n") ? "" : document.endsWith("\n") ? "\n" : "\n\n";
        return document + sep + block + "\n";
    }

    static String block(FaultResults r) {
        StringBuilder md = new StringBuilder();
        boolean artemis = onArtemis(r);
        md.append(artemis ? ARTEMIS_BEGIN : BEGIN).append('\n');
        md.append(
                artemis
                        ? "### Faults on a broker that syncs before it acknowledges (ActiveMQ Artemis)\n\n"
                        : "## Faults\n\n");
        FaultResults.Settings s = r.settings();
        FaultResults.Environment e = r.environment();
        md.append(String.format(
                Locale.ROOT,
                "What comes out on `chatroom/messages/out` of %,d acknowledged QoS 1 inputs per scenario (%,d in the"
                        + " burst) from %d publishers at %d msg/s, when the broker, an instance or the network fails"
                        + " %d s into the load (`--only=faults`, method below). Run %s on %d cores (load %s before, %s"
                        + " after), %s, %s, %s; the run took %d s.\n\n",
                s.messages(),
                s.burst(),
                s.publishers(),
                s.rate(),
                s.faultAfterSeconds(),
                e.date(),
                e.cores(),
                e.loadBefore(),
                e.loadAfter(),
                e.java(),
                e.os(),
                e.mosquitto(),
                e.totalSeconds()));
        md.append(
                        artemis
                                ? "The broker (`--broker=artemis`) is ActiveMQ Artemis in a process of its own, one MQTT"
                                        + " listener on loopback, its journal written and synced (`fdatasync`) before"
                                        + " it acknowledges a persistent (QoS 1 or 2) message: what it acknowledged"
                                        + " survives its SIGKILL. The method below is the same with it in Mosquitto's"
                                        + " place"
                                : "Mosquitto saved its persistence file " + saving(s))
                .append("; product settings beyond the method's: ")
                .append(
                        s.productEnv().isEmpty()
                                ? "none"
                                : s.productEnv().entrySet().stream()
                                        .map(en -> "`" + en.getKey() + "=" + en.getValue() + "`")
                                        .collect(java.util.stream.Collectors.joining(", ")))
                .append(".\n\n");
        md.append("| scenario | instances | acknowledged | lost | duplicated (same id) | reordered | delayed > 1 s |"
                + " recovery | p50 / p99 / max ms |\n");
        md.append("|---|---|---|---|---|---|---|---|---|\n");
        for (FaultResults.Outcome o : r.outcomes()) {
            if (o.skipped()) {
                md.append("| ")
                        .append(o.scenario())
                        .append(" | ")
                        .append(o.instances())
                        .append(" | ")
                        .append(String.join("; ", o.notes()))
                        .append(" | | | | | | |\n");
                continue;
            }
            md.append(String.format(
                    Locale.ROOT,
                    "| %s | %d | %,d | %,d | %,d (%,d) | %,d | %,d | %s | %.1f / %.0f / %.0f |\n",
                    o.scenario(),
                    o.instances(),
                    o.acknowledged(),
                    o.lost(),
                    o.duplicates(),
                    o.duplicatesSameId(),
                    o.reordered(),
                    o.delayed(),
                    o.recoverySeconds() < 0 ? "–" : String.format(Locale.ROOT, "%.1f s", o.recoverySeconds()),
                    o.p50Millis(),
                    o.p99Millis(),
                    o.maxMillis()));
        }
        md.append('\n');
        boolean anyLost = r.outcomes().stream().anyMatch(o -> o.lost() > 0);
        if (anyLost) {
            md.append("Where the lost inputs stopped (read from the product's store after the scenario):\n\n");
            for (FaultResults.Outcome o : r.outcomes()) {
                if (o.lost() > 0) {
                    md.append(String.format(
                            Locale.ROOT,
                            "- %s: %s never stored (lost in the broker before the service had them), %s stored and"
                                    + " never marked published (lost by the service), %s marked published (the broker"
                                    + " took the output and did not deliver it)\n",
                            o.scenario(),
                            count(o.lostNeverStored()),
                            count(o.lostUnpublished()),
                            count(o.lostPublished())));
                }
            }
            md.append('\n');
        }
        md.append("Scenarios:\n\n");
        for (FaultResults.Outcome o : r.outcomes()) {
            md.append("- **").append(o.scenario()).append("**: ").append(o.description());
            if (!o.skipped()) {
                md.append(String.format(
                        Locale.ROOT,
                        "; %,d published, %,d publishes failed, %,d unacknowledged inputs came out, %.0f s",
                        o.sent(),
                        o.failedPublishes(),
                        o.unacknowledgedArrived(),
                        o.seconds()));
            }
            md.append('\n');
            for (String note : o.notes()) {
                if (!o.skipped()) {
                    md.append("  - `").append(note.replace("`", "'")).append("`\n");
                }
            }
        }
        md.append('\n');
        if (!artemis) {
            md.append(METHOD);
        }
        md.append(artemis ? ARTEMIS_END : END);
        return md.toString();
    }

    /** Mosquitto's save setting in words. */
    static String saving(FaultResults.Settings s) {
        if (s.mosquittoAutosaveOnChanges()) {
            return String.format(
                    Locale.ROOT,
                    "after every %,d changes (`autosave_on_changes true`, `autosave_interval %d`) and when stopped",
                    s.mosquittoAutosave(),
                    s.mosquittoAutosave());
        }
        if (s.mosquittoAutosave() > 0) {
            return String.format(
                    Locale.ROOT,
                    "every %d s (`autosave_interval %d`) and when stopped",
                    s.mosquittoAutosave(),
                    s.mosquittoAutosave());
        }
        return "every 1800 s (its default `autosave_interval`) and when stopped";
    }

    private static String count(long n) {
        return n < 0 ? "?" : String.format(Locale.ROOT, "%,d", n);
    }

    private static final String METHOD = """
            Method. Each scenario starts its own Debian Mosquitto (`persistence true`, `max_queued_messages 0`, \
            loopback) and the product jar as a process in external-broker mode (`MQTT_KEEP_ALIVE` from \
            `--keep-alive`, `CHAT_RATE_PER_MINUTE=0`); the two-instance scenarios run two with `CHAT_SHARED_GROUP` on \
            PostgreSQL, each with its own `MQTT_CLIENT_ID`. The publishers are devices that keep their session: MQTT \
            5, QoS 1, a persistent session and automatic reconnect, so an input whose PUBACK was lost is sent again \
            when the session resumes; even-numbered publishers put a `message_id` in their inputs, odd ones do not. \
            Each text is `t=<send time>;r=<run>;p=<publisher>;s=<sequence>`. An input is *acknowledged* when its \
            PUBACK came back without an error; publishes that failed (a broker that lost the session) are not \
            counted and as many again are sent at the end, so every scenario has its acknowledged inputs. One \
            consumer with a persistent QoS 1 session reads `messages/out` until every acknowledged input came out or \
            nothing came for 20 s (at most 5 min). *Lost*: acknowledged and never out. *Duplicated*: out more than once; *same id*: \
            of those, the ones whose output carried the first one's `message_id` (a republish or a redelivery of one \
            stored message, rather than an input taken twice). *Reordered*: out after a later input of the same \
            publisher. *Delayed*: out more than 1 s after it was sent. *Recovery*: from the fault to the arrival of \
            the last delayed input (for the burst, from its start). The fault comes `--fault-after` seconds into the \
            load: the broker stopped (SIGTERM) or killed (SIGKILL) and started again on the same port and files \
            after `--down` seconds; the first instance killed or stopped and started again with the same variables \
            after `--down` seconds; or the service's connection, which goes through a TCP proxy in the bench, cut \
            for three keep-alives (nothing forwarded either way, no new connection through; what was read meanwhile \
            is delivered when it heals), or reset five times, 2 s apart, each after 1 s in which what the broker sent \
            was held (and is then dropped). The product's and Mosquitto's logs stay in `bench/target/faults-work/`.
            """;
}
