package dev.aichatroom.web;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;

/**
 * The product's meter registry, served on {@code GET /metrics}. Every meter gets its {@code # HELP} text here, in one
 * table, also those a feature registers without one: an operator reading the scrape learns what each number means.
 */
public final class Meters {
    /** Meter name (Micrometer's dotted form) → what it measures. */
    static final Map<String, String> HELP = Map.ofEntries(
            Map.entry(
                    "chat.inputs.received",
                    "Inputs that reached the chat service (messages, joins, leaves; those the broker refused are in chat_inputs_rejected)"),
            Map.entry(
                    "chat.inputs.dropped",
                    "QoS 0 inputs dropped because 20,000 others were still waiting for the chat service (QoS 1 inputs wait at the broker instead)"),
            Map.entry("chat.messages.out", "Messages the chat service published on a room's messages/out"),
            Map.entry(
                    "chat.inputs.rejected",
                    "Inputs refused, by error code (the code the client gets on its errors topic)"),
            Map.entry("chat.members", "Members listed in all rooms of this instance"),
            Map.entry("mqtt.connections", "MQTT connections to the embedded broker (TCP, TLS and WebSocket)"),
            Map.entry("http.server.requests", "HTTP requests answered, by method, route and status"),
            Map.entry("ai.reply.admitted", "Questions admitted to the assistant and not yet answered"),
            Map.entry("ai.reply.busy", "Questions turned away because the assistant had no free slot"),
            Map.entry("ai.reply.failures", "Replies that failed (provider error, timeout, open circuit breaker)"),
            Map.entry("ai.provider.paused", "1 while the circuit breaker keeps the model provider paused"),
            Map.entry("mcp.servers", "MCP tool servers the assistant knows"),
            Map.entry("mcp.tools", "Tools offered by all known MCP tool servers"),
            Map.entry("mcp.tool.calls", "Tool calls the assistant made, by outcome"),
            Map.entry("voice.sessions", "Voice calls open on this instance"));

    private Meters() {}

    public static PrometheusMeterRegistry create() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                String help = HELP.get(id.getName());
                if (help == null
                        || (id.getDescription() != null && !id.getDescription().isBlank())) {
                    return id;
                }
                return new Meter.Id(
                        id.getName(),
                        io.micrometer.core.instrument.Tags.of(id.getTags()),
                        id.getBaseUnit(),
                        help,
                        id.getType());
            }
        });
        return registry;
    }
}
