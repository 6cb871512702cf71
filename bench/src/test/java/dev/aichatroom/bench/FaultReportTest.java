package dev.aichatroom.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class FaultReportTest {
    private static final String BLOCK = FaultReport.BEGIN + "\nnew\n" + FaultReport.END;

    @Test
    void only_the_text_between_the_markers_is_replaced() {
        String doc = "# Bench\n\nbefore\n" + FaultReport.BEGIN + "\nold\n" + FaultReport.END + "\nafter\n";
        assertThat(FaultReport.splice(doc, BLOCK)).isEqualTo("# Bench\n\nbefore\n" + BLOCK + "\nafter\n");
    }

    @Test
    void without_markers_the_block_is_appended_after_a_blank_line() {
        assertThat(FaultReport.splice("# Bench\ntext\n", BLOCK)).isEqualTo("# Bench\ntext\n\n" + BLOCK + "\n");
    }

    @Test
    void the_block_has_one_row_per_scenario_and_says_where_lost_inputs_stopped() {
        FaultAnalysis.Counts counts = new FaultAnalysis.Counts(
                20_000, 3, 2, 1, 0, 0, 5, 2_500_000_000L, LatencySummary.empty(), List.of(1L, 2L, 3L), new long[] {1, 1
                });
        FaultResults.Outcome lossy = FaultResults.Outcome.of(
                        FaultKind.BROKER_SIGKILL, FaultBroker.Kind.MOSQUITTO, 1, 20_010, 10, counts)
                .withFates(new FaultStore.Fates(2, 0, 1));
        FaultResults r = new FaultResults(
                new FaultResults.Environment(
                        "2026-12-05T00:00:00Z", 2, "1", "2", "java", "linux", "mosquitto 2.0.11", 60),
                FaultResults.Settings.of(
                        FaultConfig.parse(
                                new String[] {"--only=faults"}, java.nio.file.Path.of("."), java.util.Map.of()),
                        ""),
                List.of(
                        lossy,
                        FaultResults.Outcome.skipped(
                                FaultKind.INSTANCE_SIGKILL, FaultBroker.Kind.MOSQUITTO, "skipped: no PostgreSQL")));
        String block = FaultReport.block(r);
        assertThat(block).startsWith(FaultReport.BEGIN).endsWith(FaultReport.END);
        assertThat(block).contains("| broker-sigkill | 1 | 20,000 | 3 | 2 (1) | 0 | 5 | 2.5 s |");
        assertThat(block).contains("| instance-sigkill | 2 | skipped: no PostgreSQL |");
        assertThat(block).contains("- broker-sigkill: 2 never stored");
        assertThat(block).contains("every 1800 s (its default `autosave_interval`)");
    }

    @Test
    void the_block_says_how_mosquitto_saved_and_which_product_settings_were_added() {
        FaultResults.Settings s = FaultResults.Settings.of(
                FaultConfig.parse(
                        new String[] {
                            "--only=faults",
                            "--autosave=100",
                            "--autosave-on-changes=true",
                            "--product-env=MQTT_OUTPUT_QOS=1"
                        },
                        java.nio.file.Path.of("."),
                        java.util.Map.of()),
                "");
        assertThat(FaultReport.saving(s))
                .isEqualTo(
                        "after every 100 changes (`autosave_on_changes true`, `autosave_interval 100`) and when stopped");
        assertThat(s.productEnv()).containsEntry("MQTT_OUTPUT_QOS", "1");
    }

    @Test
    void a_run_on_artemis_goes_to_a_block_of_its_own_and_leaves_the_mosquitto_block_alone() {
        FaultResults.Settings s = FaultResults.Settings.of(
                FaultConfig.parse(
                        new String[] {"--only=faults", "--broker=artemis"},
                        java.nio.file.Path.of("."),
                        java.util.Map.of()),
                "--broker=artemis");
        FaultAnalysis.Counts counts = new FaultAnalysis.Counts(
                20_000, 0, 0, 0, 0, 0, 0, 1_000_000_000L, LatencySummary.empty(), List.of(), new long[] {1});
        FaultResults r = new FaultResults(
                new FaultResults.Environment(
                        "2026-12-05T00:00:00Z", 2, "1", "2", "java", "linux", "ActiveMQ Artemis 2.55.0", 60),
                s,
                List.of(FaultResults.Outcome.of(
                        FaultKind.BROKER_SIGKILL, FaultBroker.Kind.ARTEMIS, 1, 20_000, 0, counts)));
        String block = FaultReport.block(r);
        assertThat(block).startsWith(FaultReport.ARTEMIS_BEGIN).endsWith(FaultReport.ARTEMIS_END);
        assertThat(block).contains("ActiveMQ Artemis 2.55.0").contains("synced (`fdatasync`) before");
        assertThat(block).doesNotContain("autosave_interval");
        assertThat(block).contains("**broker-sigkill**: Artemis killed with SIGKILL and started again");

        String doc = "# Bench\n" + FaultReport.BEGIN + "\nmosquitto runs\n" + FaultReport.END + "\n";
        String once = FaultReport.splice(doc, block, FaultReport.ARTEMIS_BEGIN, FaultReport.ARTEMIS_END);
        assertThat(once).startsWith(doc).contains("mosquitto runs").endsWith(block + "\n");
        String twice = FaultReport.splice(
                once,
                FaultReport.ARTEMIS_BEGIN + "\nnewer\n" + FaultReport.ARTEMIS_END,
                FaultReport.ARTEMIS_BEGIN,
                FaultReport.ARTEMIS_END);
        assertThat(twice).contains("mosquitto runs").contains("newer").doesNotContain("synced (`fdatasync`)");
    }
}
