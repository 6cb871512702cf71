package dev.aichatroom.web;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The page's built files ({@code web/dist}, packed in the jar under {@code /public}): {@code /} is
 * {@code index.html}, {@code /assets/<name>} and {@code /<name>} the files of those names.
 *
 * <p>A file is read from the class path when it is first asked for and then kept in memory (the page's files are less
 * than a megabyte; a name that is not there is not kept). Nothing is listed or mounted at start: Jetty's resource
 * handler mounted the whole jar (40,000 entries) as a zip file system, about 0.4 s of CPU on the start's critical path
 * (issue 13). Register these routes after all others: {@code /<name>} would otherwise take a one-segment route's
 * place.
 */
public final class StaticFiles implements Consumer<RoutesConfig> {
    /**
     * Headers of the page and its files: everything users or the model write is rendered as text, and this policy is
     * the second wall (no inline or foreign scripts, no framing). The page reaches MQTT over WebSocket on another port;
     * mqtt.js runs its keep-alive timer in a worker made from a blob (background tabs throttle ordinary timers).
     */
    static final Map<String, String> PAGE_HEADERS = Map.of(
            "Content-Security-Policy",
            "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self'; "
                    + "script-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; "
                    + "frame-ancestors 'none'; form-action 'self'",
            "X-Content-Type-Options",
            "nosniff",
            "Referrer-Policy",
            "no-referrer",
            "Cache-Control",
            "no-cache");

    /**
     * The page's built files under {@code /assets/} carry a hash of their content in their names, so a name never
     * serves other bytes: browsers and proxies may keep them for a year without asking again. The pages that name them
     * ({@code index.html}, {@code voice.html}) stay {@code no-cache}, so a new release is seen on the next load.
     */
    static final Map<String, String> ASSET_HEADERS =
            Map.of("X-Content-Type-Options", "nosniff", "Cache-Control", "public, max-age=31536000, immutable");

    /** The routes of the files (counted as {@code static} in {@code /metrics}). */
    static final java.util.Set<String> ROUTES = java.util.Set.of("/", "/assets/{name}", "/{name}");

    /** One path segment of a built file's name: no separators, no {@code ..}, no hidden files. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");

    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("html", "text/html; charset=utf-8"),
            Map.entry("js", "text/javascript; charset=utf-8"),
            Map.entry("mjs", "text/javascript; charset=utf-8"),
            Map.entry("css", "text/css; charset=utf-8"),
            Map.entry("json", "application/json"),
            Map.entry("map", "application/json"),
            Map.entry("txt", "text/plain; charset=utf-8"),
            Map.entry("svg", "image/svg+xml"),
            Map.entry("png", "image/png"),
            Map.entry("jpg", "image/jpeg"),
            Map.entry("webp", "image/webp"),
            Map.entry("ico", "image/x-icon"),
            Map.entry("woff2", "font/woff2"),
            Map.entry("wasm", "application/wasm"));

    private final String root;
    private final ClassLoader loader;
    private final Map<String, File> files = new ConcurrentHashMap<>();

    /** A file as served: its bytes, type and a strong ETag of its content. */
    record File(byte[] bytes, String type, String etag) {}

    /**
     * @param root the class-path folder of the files, without slashes ({@code public})
     * @param loader where to look for them
     */
    public StaticFiles(String root, ClassLoader loader) {
        this.root = root;
        this.loader = loader;
    }

    /** The page as the build packs it into the jar; empty when the jar was built without it. */
    public static Optional<StaticFiles> ofPage() {
        ClassLoader loader = StaticFiles.class.getClassLoader();
        return loader.getResource("public/index.html") == null
                ? Optional.empty()
                : Optional.of(new StaticFiles("public", loader));
    }

    @Override
    public void accept(RoutesConfig routes) {
        Handler index = ctx -> serve(ctx, "index.html", PAGE_HEADERS);
        Handler asset = ctx -> serve(ctx, "assets/" + name(ctx), ASSET_HEADERS);
        Handler top = ctx -> serve(ctx, name(ctx), PAGE_HEADERS);
        routes.get("/", index);
        routes.head("/", index);
        routes.get("/assets/{name}", asset);
        routes.head("/assets/{name}", asset);
        routes.get("/{name}", top);
        routes.head("/{name}", top);
    }

    private static String name(Context ctx) {
        String name = ctx.pathParam("name");
        if (!NAME.matcher(name).matches() || name.contains("..")) {
            throw notFound(ctx);
        }
        return name;
    }

    private void serve(Context ctx, String path, Map<String, String> headers) {
        File file = find(path).orElseThrow(() -> notFound(ctx));
        headers.forEach(ctx::header);
        ctx.header("ETag", file.etag());
        String asked = ctx.header("If-None-Match");
        if (asked != null
                && Arrays.stream(asked.split(",")).anyMatch(t -> t.strip().equals(file.etag()))) {
            ctx.status(304);
            return;
        }
        ctx.contentType(file.type()).result(file.bytes());
    }

    /** The file at {@code path} under the root, read once; empty when there is none. */
    Optional<File> find(String path) {
        File known = files.get(path);
        if (known != null) {
            return Optional.of(known);
        }
        try (InputStream in = loader.getResourceAsStream(root + "/" + path)) {
            if (in == null) {
                return Optional.empty();
            }
            File file = file(path, in.readAllBytes());
            files.putIfAbsent(path, file);
            return Optional.of(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + root + "/" + path + " from the class path", e);
        }
    }

    private static File file(String path, byte[] bytes) {
        String extension = path.substring(path.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        String type = TYPES.getOrDefault(extension, "application/octet-stream");
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            String tag = Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(digest, 18));
            return new File(bytes, type, "\"" + tag + "\"");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    private static ApiError notFound(Context ctx) {
        return new ApiError(404, "NOT_FOUND", "no such resource: " + ctx.path());
    }
}
