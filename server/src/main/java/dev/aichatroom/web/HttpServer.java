package dev.aichatroom.web;

import dev.aichatroom.mqtt.Json;
import io.javalin.Javalin;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP listener. Features hand it their routes; errors are answered as JSON in one place and logged once, here.
 */
public final class HttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);

    private final HttpConfig config;
    private final List<Consumer<RoutesConfig>> routes;
    private Javalin app;

    public HttpServer(HttpConfig config, List<Consumer<RoutesConfig>> routes) {
        this.config = config;
        this.routes = List.copyOf(routes);
    }

    public void start() {
        app = Javalin.create(c -> {
            c.concurrency.useVirtualThreads = true;
            c.startup.showJavalinBanner = false;
            c.jetty.host = config.bind();
            c.jetty.port = config.port();
            if (HttpServer.class.getResource("/public/index.html") != null) {
                c.staticFiles.add("/public");
            }
            c.routes.exception(ApiError.class, (e, ctx) -> error(ctx, e.status(), e.code(), e.getMessage()));
            c.routes.exception(Exception.class, (e, ctx) -> {
                LOG.error("HTTP {} {} failed", ctx.method(), ctx.path(), e);
                error(ctx, 500, "INTERNAL", "internal error");
            });
            c.routes.error(404, ctx -> {
                if (ctx.result() == null) {
                    error(ctx, 404, "NOT_FOUND", "no such resource: " + ctx.path());
                }
            });
            routes.forEach(r -> r.accept(c.routes));
        });
        try {
            app.start();
        } catch (RuntimeException e) {
            throw new IllegalStateException(
                    "cannot listen for HTTP on " + config.bind() + ":" + config.port() + " (" + e.getMessage()
                            + "): change PORT or stop what uses it",
                    e);
        }
        LOG.info("HTTP API on http://{}:{}/", config.bind(), app.port());
    }

    public int port() {
        return app.port();
    }

    static void json(Context ctx, Object body) {
        ctx.contentType("application/json; charset=utf-8").result(Json.bytes(body));
    }

    static void error(Context ctx, int status, String code, String message) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code);
        error.put("message", message);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", false);
        body.put("error", error);
        ctx.status(status);
        json(ctx, body);
    }

    @Override
    public void close() {
        if (app != null) {
            app.stop();
            app = null;
        }
    }
}
