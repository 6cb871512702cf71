package dev.aichatroom.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aichatroom.bench.Results.Share;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProfilerTest {
    @Test
    void sorts_collapsed_stacks_into_thread_groups_and_code_parts() {
        List<String> collapsed = List.of(
                "[ForkJoinPool-1-worker-1 tid=12];java/lang/VirtualThread.run;dev/aichatroom/chat/ChatService.handle;"
                        + "org/sqlite/core/NativeDB.step 60",
                "[Thread-3 (ActiveMQ-server-x) tid=20];org/apache/activemq/artemis/core/journal/impl/JournalImpl.appendAddRecord 30",
                "[C2 CompilerThread0 tid=5];Compile::Compile 10",
                "not a sample line");

        Profiler.Summary s = Profiler.summarise(collapsed);

        assertThat(s.samples()).isEqualTo(100);
        assertThat(s.byThread())
                .containsExactly(
                        new Share("virtual threads (chat worker, outbox)", 60.0),
                        new Share("broker threads (Artemis)", 30.0),
                        new Share("JIT compiler", 10.0));
        assertThat(s.byCode())
                .contains(
                        new Share(
                                "chat worker: inputs parsed, stored as a batch, published (ChatService.handle, flushStaged)",
                                60.0),
                        new Share("SQLite (store)", 60.0),
                        new Share("the product's own code", 60.0),
                        new Share("Artemis journal (persistence)", 30.0));
    }

    @Test
    void an_empty_profile_has_no_shares() {
        Profiler.Summary s = Profiler.summarise(List.of());

        assertThat(s.samples()).isZero();
        assertThat(s.byThread()).isEmpty();
    }
}
