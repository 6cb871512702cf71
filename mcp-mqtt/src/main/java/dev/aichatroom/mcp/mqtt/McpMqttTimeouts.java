package dev.aichatroom.mcp.mqtt;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Per-method request timeouts enforced by the transports (MCP over MQTT recommends initialize 30 s, ping 10 s,
 * tools/call 60 s, everything else 30 s).
 *
 * <p>The transport answers a request that got no response in time with a JSON-RPC error
 * ({@link McpMqttException#REQUEST_TIMEOUT}). The SDK has its own single request timeout, which must be longer
 * than every timeout here or it fires first: use {@link #sdkRequestTimeout()} and {@link
 * #sdkInitializationTimeout()} when building SDK clients and servers.
 *
 * @param defaultTimeout timeout of methods not listed in {@code perMethod}
 * @param perMethod timeouts by JSON-RPC method name
 */
public record McpMqttTimeouts(Duration defaultTimeout, Map<String, Duration> perMethod) {

    private static final Duration SDK_MARGIN = Duration.ofSeconds(5);

    public McpMqttTimeouts {
        Objects.requireNonNull(defaultTimeout, "defaultTimeout");
        requirePositive(defaultTimeout, "defaultTimeout");
        Map<String, Duration> copy = new LinkedHashMap<>();
        if (perMethod != null) {
            perMethod.forEach((method, timeout) -> {
                Objects.requireNonNull(method, "method");
                requirePositive(Objects.requireNonNull(timeout, "timeout of " + method), method);
                copy.put(method, timeout);
            });
        }
        perMethod = Collections.unmodifiableMap(copy);
    }

    /**
     * The recommended timeouts of the MCP over MQTT specification (PROTOCOL.md §5): {@code initialize} 30 s,
     * {@code ping} 10 s, {@code tools/call} 60 s and every other method (also {@code sampling/createMessage} and
     * {@code completion/complete}) 30 s. Give slow methods more with {@link #withMethod}.
     */
    public static McpMqttTimeouts defaults() {
        Map<String, Duration> m = new LinkedHashMap<>();
        m.put("initialize", Duration.ofSeconds(30));
        m.put("ping", Duration.ofSeconds(10));
        m.put("tools/call", Duration.ofSeconds(60));
        return new McpMqttTimeouts(Duration.ofSeconds(30), m);
    }

    /** A copy with the timeout of one method replaced. */
    public McpMqttTimeouts withMethod(String method, Duration timeout) {
        Map<String, Duration> m = new LinkedHashMap<>(perMethod);
        m.put(method, timeout);
        return new McpMqttTimeouts(defaultTimeout, m);
    }

    /** A copy with a different timeout for methods that have none of their own. */
    public McpMqttTimeouts withDefault(Duration timeout) {
        return new McpMqttTimeouts(timeout, perMethod);
    }

    /** The timeout of a JSON-RPC method. */
    public Duration forMethod(String method) {
        return perMethod.getOrDefault(method, defaultTimeout);
    }

    /** The longest configured timeout. */
    public Duration maximum() {
        return perMethod.values().stream().reduce(defaultTimeout, (a, b) -> a.compareTo(b) >= 0 ? a : b);
    }

    /**
     * A value for the SDK's {@code requestTimeout(..)} (client and server builders) that lets these per-method
     * timeouts fire first.
     */
    public Duration sdkRequestTimeout() {
        return maximum().plus(SDK_MARGIN);
    }

    /** A value for the SDK client's {@code initializationTimeout(..)} that lets the initialize timeout fire first. */
    public Duration sdkInitializationTimeout() {
        return forMethod("initialize").plus(SDK_MARGIN);
    }

    private static void requirePositive(Duration d, String what) {
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(what + " must be positive: " + d);
        }
    }
}
