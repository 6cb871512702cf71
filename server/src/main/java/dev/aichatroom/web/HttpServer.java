package dev.aichatroom.web;

import dev.aichatroom.mqtt.Json;
import dev.aichatroom.tls.TlsIdentity;
import dev.aichatroom.tls.TlsPolicy;
import io.javalin.Javalin;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.eclipse.jetty.server.DetectorConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP listener. Features hand it their routes (the page's files too: {@link StaticFiles}); errors are answered as
 * JSON in one place and logged once, here.
 */
public final class HttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);

    private final HttpConfig config;
    private final List<Consumer<RoutesConfig>> routes;
    private Javalin app;
    private volatile SslContextFactory.Server ssl;

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
            config.tls().ifPresent(tls -> c.jetty.addConnector((server, http) -> httpsConnector(server, http, tls)));
            if (config.tls().isPresent()) {
                c.routes.before(HttpServer::toHttps);
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
        LOG.info(
                "HTTP API on {}://{}:{}/{}",
                config.tls().isPresent() ? "https" : "http",
                config.bind(),
                app.port(),
                config.tls().map(t -> " (certificate " + t.describe() + ")").orElse(""));
        config.tls()
                .filter(t -> t.expiresWithin(Duration.ofDays(14)))
                .ifPresent(t -> LOG.warn(
                        "The TLS certificate ({}) expires within 14 days or has expired: renew it", t.describe()));
    }

    /**
     * HTTPS in place of HTTP on the same port; a plain {@code http://} request there is redirected to {@code https://}
     * (see {@link #toHttps}). The Host header is not checked against the certificate's names, so a certificate made for
     * a name still serves visitors who type the address.
     */
    private ServerConnector httpsConnector(Server server, HttpConfiguration http, TlsIdentity tls) {
        http.setSecureScheme("https");
        // Strict-Transport-Security on every response over TLS (none with a max-age of 0)
        http.addCustomizer(
                new SecureRequestCustomizer(false, config.hstsMaxAge() > 0 ? config.hstsMaxAge() : -1, false));
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStore(tls.keyStore());
        ssl.setKeyStorePassword(new String(tls.password()));
        ssl.setIncludeProtocols(TlsPolicy.PROTOCOLS.toArray(String[]::new));
        ssl.setIncludeCipherSuites(TlsPolicy.CIPHER_SUITES.toArray(String[]::new));
        this.ssl = ssl;
        HttpConnectionFactory plain = new HttpConnectionFactory(http);
        SslConnectionFactory secure = new SslConnectionFactory(ssl, plain.getProtocol());
        // one port for both: a TLS hello goes to TLS, anything else to plain HTTP, which only redirects to https://;
        // on a public address plain HTTP is off unless TLS_ALLOW_PLAINTEXT (docs/decisions/0013-tls-posture.md)
        ServerConnector connector = config.plainRedirect()
                ? new ServerConnector(server, new DetectorConnectionFactory(secure), plain)
                : new ServerConnector(server, secure, plain);
        connector.setHost(config.bind());
        connector.setPort(config.port());
        return connector;
    }

    /** A request that arrived as plain HTTP on the HTTPS port: 308 to the same URL over https://, nothing else. */
    private static void toHttps(Context ctx) {
        if (ctx.req().isSecure()) {
            return;
        }
        String query = ctx.queryString() == null ? "" : "?" + ctx.queryString();
        ctx.header("Location", "https://" + PageRoutes.hostOnly(ctx.host()) + ":" + ctx.port() + ctx.path() + query);
        ctx.status(308);
        ctx.skipRemainingHandlers();
    }

    /** Serves a renewed certificate to new connections; those already open keep theirs. */
    public void reloadTls(TlsIdentity identity) {
        SslContextFactory.Server current = ssl;
        if (current == null) {
            return;
        }
        try {
            current.reload(f -> {
                f.setKeyStore(identity.keyStore());
                f.setKeyStorePassword(new String(identity.password()));
            });
        } catch (Exception e) {
            throw new IllegalStateException("HTTPS cannot take the renewed certificate: " + e.getMessage(), e);
        }
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
