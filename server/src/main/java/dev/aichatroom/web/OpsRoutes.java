package dev.aichatroom.web;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** {@code GET /health} (liveness and readiness of every part) and {@code GET /metrics} (Prometheus). */
public final class OpsRoutes implements Consumer<RoutesConfig> {
    private final Map<String, Supplier<Health>> parts;
    private final PrometheusMeterRegistry registry;
    private final List<MeterBinder> onFirstScrape;
    private volatile boolean bound;

    /** @param parts each part's name and how to ask its state; a part that is DOWN makes the product not ready */
    public OpsRoutes(Map<String, Supplier<Health>> parts, PrometheusMeterRegistry registry) {
        this(parts, registry, List.of());
    }

    /**
     * @param onFirstScrape meters bound to the registry when {@code /metrics} is first asked for, not at start: the
     *     JVM's memory, thread and processor binders cost about 0.1 s of CPU on the start's critical path (issue 13),
     *     and their gauges are read at each scrape, so a scrape misses nothing of them
     */
    public OpsRoutes(
            Map<String, Supplier<Health>> parts, PrometheusMeterRegistry registry, List<MeterBinder> onFirstScrape) {
        this.parts = Map.copyOf(parts);
        this.registry = registry;
        this.onFirstScrape = List.copyOf(onFirstScrape);
    }

    @Override
    public void accept(RoutesConfig routes) {
        routes.after(this::count);
        routes.get("/health", ctx -> {
            Map<String, Object> checks = new LinkedHashMap<>();
            boolean ready = true;
            for (var part : new java.util.TreeMap<>(parts).entrySet()) {
                Health h = part.getValue().get();
                ready &= h.state() != Health.State.DOWN;
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("status", h.state().name().toLowerCase(java.util.Locale.ROOT));
                entry.put("detail", h.detail());
                checks.put(part.getKey(), entry);
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", ready ? "up" : "down");
            body.put("live", true);
            body.put("ready", ready);
            body.put("checks", checks);
            ctx.status(ready ? 200 : 503);
            HttpServer.json(ctx, body);
        });
        routes.get("/metrics", ctx -> {
            bindOnce();
            ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(registry.scrape());
        });
    }

    private void bindOnce() {
        if (bound) {
            return;
        }
        synchronized (this) {
            if (!bound) {
                onFirstScrape.forEach(b -> b.bindTo(registry));
                bound = true;
            }
        }
    }

    /**
     * One count per answered request. The route is the matched endpoint's path pattern ({@code /api/rooms/{room}}),
     * {@code static} for the page's files and {@code none} for anything else, so that hostile paths cannot grow the
     * number of series.
     */
    private void count(Context ctx) {
        io.javalin.router.Endpoint endpoint = ctx.endpoints().lastHttpEndpoint();
        String route;
        if (endpoint != null && StaticFiles.ROUTES.contains(endpoint.path)) {
            route = ctx.statusCode() < 400 ? "static" : "none";
        } else if (endpoint != null && !endpoint.path.isEmpty() && !"*".equals(endpoint.path)) {
            route = endpoint.path;
        } else {
            route = ctx.statusCode() < 400 ? "static" : "none";
        }
        String method =
                KNOWN_METHODS.contains(ctx.method().name()) ? ctx.method().name() : "OTHER";
        registry.counter(
                        "http.server.requests",
                        "method",
                        method,
                        "route",
                        route,
                        "status",
                        String.valueOf(ctx.statusCode()))
                .increment();
    }

    private static final java.util.Set<String> KNOWN_METHODS =
            java.util.Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH");
}
