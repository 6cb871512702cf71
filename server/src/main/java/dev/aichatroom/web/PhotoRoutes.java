package dev.aichatroom.web;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Photos the voice page takes for its {@code take_photo} tool: {@code POST /api/photos} with a JPEG body stores it
 * under a random name and answers {@code {"url":"/api/photos/<name>.jpg"}}; {@code GET /api/photos/{name}} serves it.
 * Anyone who reaches the HTTP API may upload (like the chat itself), so uploads are bounded: size per photo, photos
 * kept (the oldest go first) and uploads per IP address and minute.
 */
public final class PhotoRoutes implements Consumer<RoutesConfig> {
    static final int MAX_BYTES = 4 * 1024 * 1024;
    static final int MAX_PHOTOS = 500;
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{22}\\.jpg");

    private static final Map<String, String> PHOTO_HEADERS = Map.of(
            "Content-Security-Policy", "default-src 'none'",
            "X-Content-Type-Options", "nosniff",
            "Cache-Control", "private, max-age=31536000, immutable");

    private final Path dir;
    private final int maxPhotos;
    private final PerIpLimiter perIp;
    private final SecureRandom random = new SecureRandom();
    private final ReentrantLock lock = new ReentrantLock();

    /** Stores photos in {@code dir} (created when the first one comes); {@code perMinute} uploads per IP address. */
    public PhotoRoutes(Path dir, int maxPhotos, int perMinute) {
        this.dir = dir;
        this.maxPhotos = maxPhotos;
        this.perIp = new PerIpLimiter(perMinute);
    }

    public static PhotoRoutes in(Path dataDir) {
        return new PhotoRoutes(dataDir.resolve("photos"), MAX_PHOTOS, 30);
    }

    @Override
    public void accept(RoutesConfig routes) {
        routes.post("/api/photos", this::store);
        routes.get("/api/photos/{name}", this::serve);
    }

    private void store(Context ctx) throws IOException {
        if (!perIp.allowed(ctx.ip())) {
            ctx.header("Retry-After", "20");
            throw new ApiError(429, "RATE_LIMITED", "too many photos from this address; try again soon");
        }
        String type = ctx.contentType() == null ? "" : ctx.contentType();
        if (!type.toLowerCase(java.util.Locale.ROOT).startsWith("image/jpeg")) {
            throw new ApiError(415, "NOT_JPEG", "send the photo as Content-Type: image/jpeg");
        }
        byte[] jpeg;
        try (InputStream in = ctx.bodyInputStream()) {
            jpeg = in.readNBytes(MAX_BYTES + 1);
        }
        if (jpeg.length > MAX_BYTES) {
            throw new ApiError(413, "TOO_LARGE", "a photo may have at most " + MAX_BYTES + " bytes");
        }
        if (!isJpeg(jpeg)) {
            throw new ApiError(415, "NOT_JPEG", "the body is not a JPEG image");
        }
        String name = newName();
        save(name, jpeg);
        ctx.status(201);
        ctx.header("Cache-Control", "no-store");
        HttpServer.json(ctx, Map.of("url", "/api/photos/" + name));
    }

    private void serve(Context ctx) throws IOException {
        String name = ctx.pathParam("name");
        if (!NAME.matcher(name).matches()) {
            throw new ApiError(404, "NOT_FOUND", "no such photo");
        }
        byte[] jpeg;
        try {
            jpeg = Files.readAllBytes(dir.resolve(name));
        } catch (NoSuchFileException e) {
            throw new ApiError(404, "NOT_FOUND", "no such photo");
        }
        PHOTO_HEADERS.forEach(ctx::header);
        ctx.contentType("image/jpeg").result(jpeg);
    }

    static boolean isJpeg(byte[] bytes) {
        return bytes.length >= 4 && (bytes[0] & 0xff) == 0xff && (bytes[1] & 0xff) == 0xd8 && (bytes[2] & 0xff) == 0xff;
    }

    private String newName() {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes) + ".jpg";
    }

    private void save(String name, byte[] jpeg) throws IOException {
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, "upload-", ".part");
        try {
            Files.write(temp, jpeg);
            Files.move(temp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
        lock.lock();
        try {
            keepNewest();
        } finally {
            lock.unlock();
        }
    }

    /** Deletes the oldest photos beyond {@link #maxPhotos}. */
    private void keepNewest() throws IOException {
        List<Path> photos;
        try (Stream<Path> files = Files.list(dir)) {
            photos = files.filter(p -> NAME.matcher(p.getFileName().toString()).matches())
                    .toList();
        }
        if (photos.size() <= maxPhotos) {
            return;
        }
        List<Path> oldestFirst = photos.stream()
                .sorted(Comparator.comparing(PhotoRoutes::modified))
                .toList();
        for (Path old : oldestFirst.subList(0, photos.size() - maxPhotos)) {
            Files.deleteIfExists(old);
        }
    }

    private static FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return FileTime.fromMillis(0); // gone meanwhile: first in line anyway
        }
    }
}
