package dev.aichatroom.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MarkedBlocksTest {
    private static final String FAULTS =
            "<!-- faults:begin -->\n## Faults\n\n| scenario | lost |\n|---|---:|\n| broker SIGKILL | 0 |\n\n<!-- faults:end -->";

    private static String doc(String... blocks) {
        return "# Benchmarks\n\nGenerated.\n\n" + String.join("", blocks) + "## Problems seen\n\nNone.\n";
    }

    @Test
    void keeps_a_block_the_fresh_run_did_not_produce_after_the_block_it_followed() {
        String previous = doc(
                MarkedBlocks.wrap("load", "## Load\n\nold load\n"),
                FAULTS + "\n\n",
                MarkedBlocks.wrap("runs", "## Runs\n\nold runs\n"));
        String fresh = doc(
                MarkedBlocks.wrap("load", "## Load\n\nnew load\n"), MarkedBlocks.wrap("runs", "## Runs\n\nnew runs\n"));

        String merged = MarkedBlocks.merge(previous, fresh);

        assertThat(merged).contains("new load", "new runs", FAULTS).doesNotContain("old load", "old runs");
        assertThat(merged.indexOf("new load")).isLessThan(merged.indexOf("## Faults"));
        assertThat(merged.indexOf("## Faults")).isLessThan(merged.indexOf("new runs"));
        assertThat(MarkedBlocks.parse(merged))
                .extracting(MarkedBlocks.Block::name)
                .containsExactly("load", "faults", "runs");
    }

    @Test
    void replaces_a_block_the_fresh_run_produced_and_keeps_blocks_before_any_fresh_one_in_front() {
        String previous = doc(FAULTS + "\n\n", MarkedBlocks.wrap("connections", "## Connections\n\nold\n"));
        String fresh = doc(MarkedBlocks.wrap("load", "## Load\n\nnew load\n"));

        String merged = MarkedBlocks.merge(previous, fresh);

        assertThat(MarkedBlocks.parse(merged))
                .extracting(MarkedBlocks.Block::name)
                .containsExactly("faults", "connections", "load");
        assertThat(merged).contains("## Connections\n\nold").endsWith("## Problems seen\n\nNone.\n");
    }

    @Test
    void puts_kept_blocks_before_problems_seen_when_the_fresh_document_has_no_block() {
        String merged = MarkedBlocks.merge(doc(FAULTS + "\n\n"), doc());

        assertThat(merged).isEqualTo(doc(FAULTS + "\n\n"));
    }

    @Test
    void leaves_the_fresh_document_alone_when_the_old_one_has_no_blocks() {
        String fresh = doc(MarkedBlocks.wrap("load", "## Load\n\nnew\n"));

        assertThat(MarkedBlocks.merge("# Benchmarks\n\n## Old table\n", fresh)).isEqualTo(fresh);
        assertThat(MarkedBlocks.merge("", fresh)).isEqualTo(fresh);
    }

    @Test
    void a_bench_run_keeps_the_faults_and_voice_blocks_of_the_file_it_overwrites(@TempDir Path dir) throws IOException {
        Path md = dir.resolve("benchmarks.md");
        Path json = dir.resolve("benchmarks.json");
        String voice = "<!-- voice:begin -->\n## Voice\n\nfirst answer 900 ms\n\n<!-- voice:end -->";
        Files.writeString(md, "# Benchmarks\n\n" + FAULTS + "\n\nsome text\n\n" + voice + "\n");

        Report.write(ReportTest.results(), md, json);
        Report.write(ReportTest.results(), md, json);

        String written = Files.readString(md);
        assertThat(written).contains(FAULTS, voice, "## Chat path against the raw broker", "## Method");
        assertThat(written.split("faults:begin", -1)).hasSize(2);
        assertThat(written.split("## Chat path against the raw broker", -1)).hasSize(2);
        assertThat(written).doesNotContain("some text");
    }
}
