package dev.aichatroom.voice.speech;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads one model file into a directory (decision 0012): into {@code NAME.part} first, resuming an interrupted
 * download with an HTTP {@code Range} request, then checked against a pinned SHA-256 (or, where the publisher gives
 * only that, an MD5: {@code md5:HEX}, decision 0016) and only then renamed to
 * {@code NAME}, so that a file under its final name is always complete and the expected one. Progress is logged every
 * 10 % and readable for {@code /health}. Blocking; one download at a time.
 */
final class ModelDownload {
    private static final Logger LOG = LoggerFactory.getLogger(ModelDownload.class);
    private static final Pattern CONTENT_RANGE_TOTAL = Pattern.compile("bytes \\d+-\\d+/(\\d+)");
    private static final int BUFFER = 64 * 1024;

    /** Where a download stands. */
    enum State {
        /** Not started. */
        WAITING,
        DOWNLOADING,
        READY,
        FAILED
    }

    /** A snapshot for {@code /health} and the log. */
    record Progress(State state, long bytes, long total, String detail) {
        /** "45 % of 148 MB", "12 MB", or the detail. */
        String describe() {
            return switch (state) {
                case WAITING -> "not downloaded yet";
                case DOWNLOADING ->
                    total > 0
                            ? "downloading, " + (bytes * 100 / total) + " % of " + mb(total)
                            : "downloading, " + mb(bytes);
                case READY -> "ready";
                case FAILED -> "download failed: " + detail;
            };
        }

        private static String mb(long bytes) {
            return String.format(Locale.ROOT, "%.0f MB", bytes / 1e6);
        }
    }

    private final URI url;
    private final String algorithm;
    private final String digest;
    private final Path target;
    private final HttpClient http;
    private volatile Progress progress = new Progress(State.WAITING, 0, -1, "");

    /**
     * @param url where the model is
     * @param checksum its SHA-256, hex, or {@code md5:} and its MD5, hex
     * @param target the file it becomes
     */
    ModelDownload(URI url, String checksum, Path target) {
        this.url = url;
        String c = checksum.strip().toLowerCase(Locale.ROOT);
        this.algorithm = c.startsWith("md5:") ? "MD5" : "SHA-256";
        this.digest = c.startsWith("md5:") ? c.substring(4) : c;
        this.target = target;
        this.http = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(15))
                .build();
    }

    Progress progress() {
        return progress;
    }

    Path target() {
        return target;
    }

    URI url() {
        return url;
    }

    /** "SHA-256 HEX" or "MD5 HEX": what the file must match, for messages. */
    String checksum() {
        return algorithm + " " + digest;
    }

    Path partFile() {
        return target.resolveSibling(target.getFileName() + ".part");
    }

    /**
     * Makes {@link #target} present: at once when it is, else by downloading (resuming a {@code .part} left by an
     * earlier attempt).
     *
     * @throws SpeechException when the server refuses, the connection breaks (the part stays for the next attempt) or
     *     the file is not the pinned one (the part is deleted)
     */
    Path run() {
        if (Files.isRegularFile(target)) {
            progress = new Progress(State.READY, 0, 0, "");
            return target;
        }
        try {
            Files.createDirectories(target.getParent());
            return download();
        } catch (IOException e) {
            throw fail("cannot download " + url + " into " + target + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw fail("interrupted", e);
        }
    }

    private Path download() throws IOException, InterruptedException {
        Path part = partFile();
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        HttpRequest.Builder request =
                HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30)).GET();
        if (have > 0) {
            request.header("Range", "bytes=" + have + "-");
        }
        HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        int status = response.statusCode();
        if (status == 416 && have > 0) {
            response.body().close();
            return finish(part, have); // the part is whole already: the last attempt broke off before the check
        }
        boolean resumed = status == 206 && have > 0;
        if (status != 200 && !resumed) {
            response.body().close();
            throw fail("the server refused the download of " + url + ": HTTP " + status, null);
        }
        if (!resumed) {
            have = 0;
        }
        long total = total(response, have);
        if (resumed) {
            LOG.info("Voice: resuming the download of {} at {} MB", target.getFileName(), have / 1_000_000);
        } else {
            LOG.info(
                    "Voice: downloading the speech model {} ({}) from {} into {}",
                    target.getFileName(),
                    total > 0 ? Progress.mb(total) : "size unknown",
                    url,
                    target.getParent());
        }
        long bytes = copy(response.body(), part, have, total, resumed);
        if (total > 0 && bytes < total) {
            throw fail(
                    "the download of " + url + " broke off at " + bytes + " of " + total
                            + " bytes; it resumes from there",
                    null);
        }
        return finish(part, bytes);
    }

    private long copy(InputStream body, Path part, long have, long total, boolean append) throws IOException {
        long bytes = have;
        int lastTenth = total > 0 ? (int) (have * 10 / total) : 0;
        try (InputStream in = body;
                OutputStream out = Files.newOutputStream(
                        part,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE,
                        append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
            byte[] buffer = new byte[BUFFER];
            int n;
            progress = new Progress(State.DOWNLOADING, bytes, total, "");
            while ((n = in.read(buffer)) >= 0) {
                if (total > 0 && bytes + n > total) {
                    throw new IOException("the server sent more than the " + total + " bytes it announced");
                }
                out.write(buffer, 0, n);
                bytes += n;
                progress = new Progress(State.DOWNLOADING, bytes, total, "");
                int tenth = total > 0 ? (int) (bytes * 10 / total) : 0;
                if (tenth > lastTenth && tenth < 10) {
                    lastTenth = tenth;
                    LOG.info("Voice: speech model {}: {} %", target.getFileName(), tenth * 10);
                }
            }
        } catch (IOException e) {
            long kept = Files.isRegularFile(part) ? Files.size(part) : 0;
            progress = new Progress(State.FAILED, kept, total, e.getMessage());
            throw new IOException("broke off at " + kept + " bytes (" + e.getMessage() + "); it resumes from there", e);
        }
        return bytes;
    }

    private Path finish(Path part, long bytes) throws IOException {
        String actual = digest(part, algorithm);
        if (!actual.equals(digest)) {
            Files.deleteIfExists(part);
            throw fail(
                    "the download of " + url + " is not the expected file (" + algorithm + " " + actual + ", expected "
                            + digest + "); deleted",
                    null);
        }
        Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        progress = new Progress(State.READY, bytes, bytes, "");
        LOG.info("Voice: speech model {} downloaded and checked ({} bytes)", target.getFileName(), bytes);
        return target;
    }

    /** The whole length: from {@code Content-Range} on a resumed download, else {@code Content-Length}; -1 unknown. */
    private static long total(HttpResponse<?> response, long have) {
        java.util.Optional<String> range = response.headers().firstValue("Content-Range");
        if (range.isPresent()) {
            Matcher m = CONTENT_RANGE_TOTAL.matcher(range.get());
            if (m.matches()) {
                return Long.parseLong(m.group(1));
            }
        }
        OptionalLong length = response.headers().firstValueAsLong("Content-Length");
        return length.isPresent() ? have + length.getAsLong() : -1;
    }

    static String sha256(Path file) throws IOException {
        return digest(file, "SHA-256");
    }

    static String digest(Path file, String algorithm) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance(algorithm);
            byte[] buffer = new byte[BUFFER];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256 and MD5", e);
        }
    }

    private SpeechException fail(String message, Throwable cause) {
        Progress p = progress;
        progress = new Progress(State.FAILED, p.bytes(), p.total(), message);
        return cause == null ? new SpeechException(message) : new SpeechException(message, cause);
    }
}
