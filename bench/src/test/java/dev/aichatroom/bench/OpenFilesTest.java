package dev.aichatroom.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class OpenFilesTest {
    private static final String LIMITS = """
            Limit                     Soft Limit           Hard Limit           Units
            Max processes             95536                95536                processes
            Max open files            20000                1048576              files
            Max locked memory         8388608              8388608              bytes
            """;

    @Test
    void reads_the_soft_limit_of_open_files() {
        assertThat(OpenFiles.softLimit(LIMITS)).hasValue(20_000);
        assertThat(OpenFiles.softLimit(LIMITS.replace("20000    ", "unlimited")))
                .isEmpty();
        assertThat(OpenFiles.softLimit("")).isEmpty();
    }

    @Test
    void fails_early_when_the_clients_would_not_fit() {
        assertThatCode(() -> OpenFiles.check(OptionalLong.of(20_000), 5_000)).doesNotThrowAnyException();
        assertThatCode(() -> OpenFiles.check(OptionalLong.empty(), 100_000)).doesNotThrowAnyException();
        assertThatThrownBy(() -> OpenFiles.check(OptionalLong.of(4_096), 5_000))
                .isInstanceOf(BenchException.class)
                .hasMessageContaining("limit is 4096")
                .hasMessageContaining("ulimit -n 6024")
                .hasMessageContaining("--connections=3072");
    }
}
