package dev.aichatroom.voice.speech;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model download over real HTTP against a local server that serves a generated 3 MB "model": progress, the pinned
 * checksum, resuming after a broken connection with a {@code Range} request, a refused and a truncated download, a
 * server that ignores {@code Range}, and the stand-in engine with its one offline line.
 */
@Timeout(60)
class ModelDownloadTest {
    /** How the test server answers the next requests. */
    enum Mode {
        WHOLE,
        /** Announces the whole length, sends the first third, closes. */
        BREAK_OFF,
        REFUSE,
        /** Answers 200 with everything even to a Range request. */
        IGNORE_RANGE
    }

    private static final byte[] MODEL = new byte[3_000_000];

    static {
        new Random(7).nextBytes(MODEL);
    }

    private final List<String> ranges = new CopyOnWriteArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();
    private volatile Mode mode = Mode.WHOLE;
    /** BREAK_OFF only for the next request. */
    private volatile boolean breakOnce;

    private HttpServer server;

    @TempDir
    Path dir;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/models/ggml-test.bin", this::serve);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/models/ggml-test.bin");
    }

    private void serve(HttpExchange x) throws IOException {
        requests.incrementAndGet();
        Mode mode = this.mode;
        if (mode == Mode.BREAK_OFF && breakOnce) {
            this.mode = Mode.WHOLE;
        }
        String range = x.getRequestHeaders().getFirst("Range");
        ranges.add(String.valueOf(range));
        try (x) {
            if (mode == Mode.REFUSE) {
                x.sendResponseHeaders(404, -1);
                return;
            }
            int from = 0;
            if (range != null && mode != Mode.IGNORE_RANGE) {
                from = Integer.parseInt(range.replaceAll("bytes=(\\d+)-", "$1"));
                if (from >= MODEL.length) {
                    x.getResponseHeaders().add("Content-Range", "bytes */" + MODEL.length);
                    x.sendResponseHeaders(416, -1);
                    return;
                }
                x.getResponseHeaders()
                        .add("Content-Range", "bytes " + from + "-" + (MODEL.length - 1) + "/" + MODEL.length);
                x.sendResponseHeaders(206, MODEL.length - from);
            } else {
                x.sendResponseHeaders(200, MODEL.length);
            }
            OutputStream out = x.getResponseBody();
            int end = mode == Mode.BREAK_OFF ? from + (MODEL.length - from) / 3 : MODEL.length;
            for (int at = from; at < end; at += 65536) {
                out.write(MODEL, at, Math.min(65536, end - at));
            }
            out.flush();
            if (mode == Mode.BREAK_OFF) {
                throw new IOException("the test server drops the connection mid-body");
            }
        }
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private ModelDownload download(String sha) {
        return new ModelDownload(url(), sha, dir.resolve("models/ggml-test.bin"));
    }

    @Test
    void downloads_checks_and_names_the_file_only_when_whole_and_reports_progress() throws Exception {
        ModelDownload d = download(sha256(MODEL));
        assertThat(d.progress().describe()).isEqualTo("not downloaded yet");
        Path file = d.run();
        assertThat(file).hasFileName("ggml-test.bin").hasBinaryContent(MODEL);
        assertThat(d.partFile()).doesNotExist();
        assertThat(d.progress().state()).isEqualTo(ModelDownload.State.READY);
        assertThat(d.progress().bytes()).isEqualTo(MODEL.length);
        // present: no second request
        assertThat(download(sha256(MODEL)).run()).isEqualTo(file);
        assertThat(requests).hasValue(1);
    }

    @Test
    void a_broken_connection_keeps_the_part_and_the_next_attempt_resumes_it_with_a_range_request() throws Exception {
        ModelDownload d = download(sha256(MODEL));
        mode = Mode.BREAK_OFF;
        assertThatThrownBy(d::run).isInstanceOf(SpeechException.class).hasMessageContaining("resumes");
        long kept = Files.size(d.partFile());
        assertThat(kept).isBetween(1L, MODEL.length - 1L);
        assertThat(d.target()).doesNotExist();
        assertThat(d.progress().describe()).startsWith("download failed");
        mode = Mode.WHOLE;
        assertThat(d.run()).hasBinaryContent(MODEL);
        assertThat(ranges).containsExactly("null", "bytes=" + kept + "-");
    }

    @Test
    void a_refused_download_says_the_status_and_leaves_nothing() {
        mode = Mode.REFUSE;
        ModelDownload d = download("0".repeat(64));
        assertThatThrownBy(d::run).isInstanceOf(SpeechException.class).hasMessageContaining("HTTP 404");
        assertThat(d.target()).doesNotExist();
        assertThat(d.partFile()).doesNotExist();
    }

    @Test
    void a_file_that_is_not_the_pinned_one_is_deleted_and_never_named_as_the_model() {
        ModelDownload d = download("ab".repeat(32));
        assertThatThrownBy(d::run)
                .isInstanceOf(SpeechException.class)
                .hasMessageContaining("not the expected file")
                .hasMessageContaining("abab");
        assertThat(d.target()).doesNotExist();
        assertThat(d.partFile()).doesNotExist();
    }

    @Test
    void a_server_that_ignores_range_gets_the_file_from_the_start_and_a_whole_part_is_only_checked() throws Exception {
        ModelDownload d = download(sha256(MODEL));
        Files.createDirectories(d.partFile().getParent());
        Files.write(d.partFile(), new byte[] {1, 2, 3}); // stale bytes the server will not continue
        mode = Mode.IGNORE_RANGE;
        assertThat(d.run()).hasBinaryContent(MODEL);
        // a part that is already whole (416 to the range request): checked and renamed
        Files.delete(d.target());
        Files.write(d.partFile(), MODEL);
        mode = Mode.WHOLE;
        assertThat(download(sha256(MODEL)).run()).hasBinaryContent(MODEL);
    }

    /** An engine that says which it is. */
    private static SpeechToText engine(String name, List<String> warmed) {
        return new SpeechToText() {
            @Override
            public int sampleRate() {
                return 16_000;
            }

            @Override
            public String transcribe(Pcm audio) {
                return name;
            }

            @Override
            public String describe() {
                return name;
            }

            @Override
            public void warmUp() {
                warmed.add(name);
            }
        };
    }

    @Test
    void the_stand_in_answers_until_the_model_is_downloaded_then_whisper_answers() throws Exception {
        List<String> warmed = new CopyOnWriteArrayList<>();
        List<Path> loaded = new CopyOnWriteArrayList<>();
        AutoSpeechToText auto = new AutoSpeechToText(
                download(sha256(MODEL)),
                true,
                engine("sphinx", warmed),
                file -> {
                    loaded.add(file);
                    return engine("whisper", warmed);
                },
                List.of(Duration.ofMillis(100)));
        Pcm audio = new Pcm(new short[1600], 16_000);
        assertThat(auto.transcribe(audio)).isEqualTo("sphinx");
        assertThat(auto.standIn()).hasValueSatisfying(s -> assertThat(s).contains("not ready yet"));
        assertThat(auto.describe()).contains("not downloaded yet").contains("sphinx stands in");
        breakOnce = true;
        mode = Mode.BREAK_OFF; // the first attempt breaks off, the retry resumes
        auto.warmUp();
        assertThat(auto.awaitSettled(Duration.ofSeconds(30))).isTrue();
        assertThat(auto.transcribe(audio)).isEqualTo("whisper");
        assertThat(auto.standIn()).isEmpty();
        assertThat(auto.describe()).isEqualTo("whisper");
        assertThat(loaded).containsExactly(dir.resolve("models/ggml-test.bin"));
        assertThat(warmed).contains("sphinx", "whisper");
        assertThat(ranges).hasSizeGreaterThanOrEqualTo(2);
        assertThat(ranges.getLast()).startsWith("bytes=");
    }

    @Test
    void offline_the_stand_in_stays_and_one_line_says_what_to_download_and_where() throws Exception {
        AutoSpeechToText auto = new AutoSpeechToText(
                download(sha256(MODEL)),
                false,
                engine("sphinx", new CopyOnWriteArrayList<>()),
                file -> {
                    throw new AssertionError("no model to load");
                },
                List.of());
        auto.warmUp();
        assertThat(auto.awaitSettled(Duration.ofSeconds(10))).isTrue();
        assertThat(requests).hasValue(0);
        assertThat(auto.transcribe(new Pcm(new short[1600], 16_000))).isEqualTo("sphinx");
        assertThat(auto.whatToDownload("downloads are off"))
                .contains(url().toString())
                .contains(sha256(MODEL))
                .contains(dir.resolve("models/ggml-test.bin").toAbsolutePath().toString())
                .doesNotContain("\n");
    }
}
