package dev.aichatroom.mcp.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.modelcontextprotocol.spec.McpSchema.JSONRPCResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class PendingRequestsTest {

    private final List<JSONRPCResponse> injected = new CopyOnWriteArrayList<>();
    private final List<String> timedOut = new CopyOnWriteArrayList<>();
    private final McpMqttTimeouts timeouts = McpMqttTimeouts.defaults()
            .withMethod("ping", Duration.ofMillis(100))
            .withMethod("tools/call", Duration.ofMillis(300));
    private final PendingRequests pending =
            new PendingRequests(timeouts, injected::add, (method, timeout) -> timedOut.add(method));

    @Test
    void a_request_without_answer_fails_after_the_timeout_of_its_method() {
        pending.register("r-1", "ping");
        pending.register("r-2", "tools/call");

        // the first answer is the 100 ms request's, whenever the checking thread gets to run (on a busy machine both
        // may have timed out by then: waiting for exactly one answer raced the second timeout)
        await().atMost(Duration.ofSeconds(5)).until(() -> !injected.isEmpty());
        assertThat(injected.get(0).id()).isEqualTo("r-1");
        assertThat(injected.get(0).error().code()).isEqualTo(McpMqttException.REQUEST_TIMEOUT);
        assertThat(injected.get(0).error().message()).isEqualTo("Request 'ping' timed out: no response within 100 ms");
        assertThat(timedOut).startsWith("ping");

        await().atMost(Duration.ofSeconds(5)).until(() -> injected.size() == 2);
        assertThat(injected.get(1).id()).isEqualTo("r-2");
        assertThat(timedOut).containsExactly("ping", "tools/call");
        assertThat(pending.size()).isZero();
    }

    @Test
    void an_answered_request_does_not_time_out() {
        pending.register(5, "ping");
        assertThat(pending.complete(5)).isTrue();
        assertThat(pending.complete(5)).isFalse();
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1)).until(injected::isEmpty);
    }

    @Test
    void numeric_and_string_ids_are_told_apart_but_integer_widths_are_not() {
        pending.register(7, "ping");
        assertThat(pending.complete("7")).isFalse();
        assertThat(pending.complete(7L)).isTrue();
        assertThat(pending.complete(null)).isFalse();
    }

    @Test
    void fail_all_answers_every_pending_request_at_once() {
        pending.register("a", "tools/call");
        pending.register("b", "tools/list");

        pending.failAll(McpMqttException.CONNECTION_CLOSED, m -> "server gone; '" + m + "' aborted");

        assertThat(injected)
                .extracting(r -> r.error().message())
                .containsExactlyInAnyOrder("server gone; 'tools/call' aborted", "server gone; 'tools/list' aborted");
        assertThat(injected).allMatch(r -> r.error().code() == McpMqttException.CONNECTION_CLOSED);
        assertThat(pending.size()).isZero();
        await().during(Duration.ofMillis(400)).atMost(Duration.ofSeconds(1)).until(() -> injected.size() == 2);
    }

    @Test
    void clear_forgets_without_answering() {
        pending.register("a", "ping");
        pending.clear();
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1)).until(injected::isEmpty);
    }
}
