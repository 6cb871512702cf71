package dev.aichatroom.mcp.mqtt;

import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The requests one side sent and still waits for. Enforces per-method timeouts and fails everything at once when
 * the peer goes away, by handing a synthetic JSON-RPC error response to {@code inject} (the SDK session then
 * completes the waiting call with an {@code McpError}).
 */
final class PendingRequests {

    private record Entry(Object id, String method, Disposable timer) {}

    private final McpMqttTimeouts timeouts;
    private final Consumer<JSONRPCResponse> inject;
    private final BiConsumer<String, Duration> onTimeout;
    private final Scheduler scheduler;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

    /**
     * @param inject receives the synthetic error responses
     * @param onTimeout told the method and timeout of every request that timed out (after the injection)
     */
    PendingRequests(
            McpMqttTimeouts timeouts, Consumer<JSONRPCResponse> inject, BiConsumer<String, Duration> onTimeout) {
        this(timeouts, inject, onTimeout, Schedulers.parallel());
    }

    PendingRequests(
            McpMqttTimeouts timeouts,
            Consumer<JSONRPCResponse> inject,
            BiConsumer<String, Duration> onTimeout,
            Scheduler scheduler) {
        this.timeouts = timeouts;
        this.inject = inject;
        this.onTimeout = onTimeout;
        this.scheduler = scheduler;
    }

    void register(Object id, String method) {
        String key = key(id);
        Duration timeout = timeouts.forMethod(method);
        Disposable timer = scheduler.schedule(() -> expire(key, timeout), timeout.toMillis(), TimeUnit.MILLISECONDS);
        Entry previous = entries.put(key, new Entry(id, method, timer));
        if (previous != null) {
            previous.timer().dispose();
        }
    }

    /** Forgets a request without answering it (its sending failed). */
    void remove(Object id) {
        take(id);
    }

    /** Marks a request answered; false if it was not pending (unknown, late or already failed). */
    boolean complete(Object id) {
        return take(id) != null;
    }

    /** Takes a pending request out, its timer stopped; null if it was not pending. */
    private Entry take(Object id) {
        if (id == null) {
            return null;
        }
        Entry e = entries.remove(key(id));
        if (e != null) {
            e.timer().dispose();
        }
        return e;
    }

    /**
     * Fails one pending request at once with the given code (e.g. its response arrived but could not be read);
     * false if it was not pending.
     */
    boolean fail(Object id, int code, Function<String, String> messageForMethod) {
        Entry e = take(id);
        if (e == null) {
            return false;
        }
        inject.accept(JSONRPCResponse.error(
                e.id(), new McpSchema.JSONRPCResponse.JSONRPCError(code, messageForMethod.apply(e.method()))));
        return true;
    }

    /** Fails every pending request with the given code; the message may name the method. */
    void failAll(int code, Function<String, String> messageForMethod) {
        List<Entry> failed = new ArrayList<>();
        for (String key : List.copyOf(entries.keySet())) {
            Entry e = entries.remove(key);
            if (e != null) {
                e.timer().dispose();
                failed.add(e);
            }
        }
        for (Entry e : failed) {
            inject.accept(JSONRPCResponse.error(
                    e.id(), new McpSchema.JSONRPCResponse.JSONRPCError(code, messageForMethod.apply(e.method()))));
        }
    }

    /** Cancels all timers without answering anything. */
    void clear() {
        for (String key : List.copyOf(entries.keySet())) {
            Entry e = entries.remove(key);
            if (e != null) {
                e.timer().dispose();
            }
        }
    }

    int size() {
        return entries.size();
    }

    private void expire(String key, Duration timeout) {
        Entry e = entries.remove(key);
        if (e == null) {
            return;
        }
        inject.accept(JSONRPCResponse.error(
                e.id(),
                new McpSchema.JSONRPCResponse.JSONRPCError(
                        McpMqttException.REQUEST_TIMEOUT,
                        "Request '" + e.method() + "' timed out: no response within " + describe(timeout))));
        onTimeout.accept(e.method(), timeout);
    }

    static String describe(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    private static String key(Object id) {
        return (id instanceof Number ? "n:" : "s:") + id;
    }
}
