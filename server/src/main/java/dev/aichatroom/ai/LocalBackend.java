package dev.aichatroom.ai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.data.message.ChatMessageSerializer;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local model (jlama), run in a JVM of its own ({@link ModelWorker}) that this process starts on first use with
 * the same java and class path, talks to over its standard input and output, and stops when it stops (the worker
 * exits when its input ends, also when this process is killed). The first use downloads the model into {@code
 * <modelDir>/<owner>_<name>/} (progress in the log, one notice in the room), then loads it; afterwards it works
 * offline. A worker that dies is reported (the call in flight fails as unavailable, the log and {@code /health} say
 * why) and started again at the next question, after a pause that doubles with each crash in a row (at most {@link
 * #MAX_BACKOFF}).
 */
final class LocalBackend implements Backend {
    private static final Logger LOG = LoggerFactory.getLogger(LocalBackend.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String FINISHED_MARKER = LocalModel.FINISHED_MARKER;
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(60);
    private static final int STDERR_KEPT = 4;
    private static final java.util.regex.Pattern LOG_TIME =
            java.util.regex.Pattern.compile("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} ");

    private final AiConfig config;
    private final Texts texts;
    private final List<String> command;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile Worker worker; // written under lock
    private volatile Worker starting; // the worker being started, if any: close() stops it
    private int crashes; // guarded by lock
    private long retryAt; // guarded by lock, System.nanoTime()
    private volatile boolean closed;
    private volatile Optional<String> problem = Optional.empty();

    LocalBackend(AiConfig config, Texts texts) {
        this(config, texts, List.of());
    }

    /** @param jvmOptions more options for the worker's JVM (tests) */
    LocalBackend(AiConfig config, Texts texts, List<String> jvmOptions) {
        this.config = config;
        this.texts = texts;
        this.command = command(config, jvmOptions);
    }

    /** The worker's command line: this JVM's java and class path, with the Vector API module that jlama needs. */
    static List<String> command(AiConfig config, List<String> jvmOptions) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules",
                ModelWorker.VECTOR_MODULE,
                "--enable-native-access=ALL-UNNAMED",
                // the model's weights and working memory are off the heap: a small heap, a collector without threads
                "-XX:+UseSerialGC"));
        command.addAll(jvmOptions);
        command.addAll(List.of(
                "-cp",
                System.getProperty("java.class.path"),
                ModelWorker.class.getName(),
                config.model(),
                config.modelDir().toAbsolutePath().toString()));
        return List.copyOf(command);
    }

    /** The model's folder: {@code <modelDir>/<owner>_<name>}, as jlama names it. */
    Path folder() {
        return LocalModel.folder(config.model(), config.modelDir());
    }

    @Override
    public StreamingChatModel model(Consumer<String> announce) {
        lock.lock();
        try {
            if (closed) {
                throw new AiException(AiException.Kind.STOPPED, "the assistant is stopping");
            }
            if (worker != null && worker.alive()) {
                return worker;
            }
            long wait = retryAt - System.nanoTime();
            if (crashes > 0 && wait > 0) {
                throw new AiException(
                        AiException.Kind.UNAVAILABLE,
                        texts.localModelStopped(TimeUnit.NANOSECONDS.toSeconds(wait) + 1));
            }
            Worker started = start(announce);
            worker = started;
            problem = Optional.empty();
            return started;
        } finally {
            lock.unlock();
        }
    }

    private Worker start(Consumer<String> announce) {
        Worker started;
        try {
            Process process = new ProcessBuilder(command).start();
            started = new Worker(process, announce);
        } catch (IOException e) {
            throw unavailable("the local model's process could not start: " + e.getMessage(), true, e);
        }
        LOG.info("Local model {} starting in process {}", config.model(), started.process.pid());
        starting = started;
        if (closed) {
            started.stop();
        }
        Outcome outcome;
        try {
            outcome = started.loaded();
        } finally {
            starting = null;
        }
        if (closed) {
            started.stop();
            throw new AiException(AiException.Kind.STOPPED, "the assistant is stopping");
        }
        return switch (outcome) {
            case Outcome.Loaded l -> {
                LOG.info("Local model {} loaded in {} ms (process {})", config.model(), l.ms(), started.process.pid());
                yield started;
            }
            case Outcome.Failed f -> throw unavailable(f.why(), f.io(), null);
            case Outcome.Exited x -> {
                crashed(x.status(), x.stderr());
                throw unavailable(
                        "its process exited with status " + x.status() + " before it loaded" + x.stderr(), false, null);
            }
        };
    }

    private AiException unavailable(String why, boolean io, Throwable cause) {
        String setup = Texts.modelSetup(config.model(), folder().toString());
        problem = Optional.of("local model " + config.model() + " not available: " + why + "; " + setup);
        LOG.warn("Local model {} not available: {}; {}", config.model(), why, setup);
        return new AiException(
                AiException.Kind.UNAVAILABLE,
                texts.modelMissing(config.model(), texts.cannotLoad(io)),
                Optional.empty(),
                cause);
    }

    /** A worker ended without being asked to: the next start waits, longer with each crash in a row. */
    private void crashed(int status, String stderr) {
        lock.lock();
        try {
            crashes++;
            long backoff = Math.min(MAX_BACKOFF.toNanos(), FIRST_BACKOFF.toNanos() << Math.min(crashes - 1, 20));
            retryAt = System.nanoTime() + backoff;
            problem = Optional.of("the local model's process exited with status " + status + stderr
                    + "; it starts again at the next question");
            LOG.warn(
                    "Local model {}: its process exited with status {}{}; it starts again at the next question, in {} s"
                            + " at the earliest",
                    config.model(),
                    status,
                    stderr,
                    TimeUnit.NANOSECONDS.toSeconds(backoff));
        } finally {
            lock.unlock();
        }
    }

    private void answered() {
        lock.lock();
        try {
            crashes = 0;
        } finally {
            lock.unlock();
        }
    }

    /** The running worker's process id (tests). */
    java.util.OptionalLong workerPid() {
        Worker running = worker;
        return running != null && running.alive()
                ? java.util.OptionalLong.of(running.process.pid())
                : java.util.OptionalLong.empty();
    }

    @Override
    public String describe() {
        Worker running = worker;
        return "local " + config.model() + " in " + folder()
                + (running != null && running.alive()
                        ? " (process " + running.process.pid() + ")"
                        : LocalModel.downloaded(config.model(), config.modelDir())
                                ? " (loads on first use)"
                                : " (downloads on first use)");
    }

    @Override
    public Optional<String> problem() {
        return problem;
    }

    @Override
    public boolean sequential() {
        return true;
    }

    @Override
    public void close() {
        closed = true;
        Worker loading = starting;
        if (loading != null) {
            loading.stop(); // a download may take minutes: the start waiting for it ends now
        }
        lock.lock();
        Worker running;
        try {
            running = worker;
            worker = null;
        } finally {
            lock.unlock();
        }
        if (running != null) {
            running.stop();
        }
    }

    /** How a worker's start ended. */
    private sealed interface Outcome {
        record Loaded(long ms) implements Outcome {}

        record Failed(boolean io, String why) implements Outcome {}

        record Exited(int status, String stderr) implements Outcome {}
    }

    /** One worker process: the model's calls go to it as lines, its answers come back on a thread of their own. */
    private final class Worker implements StreamingChatModel {
        private final Process process;
        private final OutputStream requests;
        private final Consumer<String> announce;
        private final CompletableFuture<Outcome> start = new CompletableFuture<>();
        private final Map<Long, StreamingChatResponseHandler> calls = new ConcurrentHashMap<>();
        private final AtomicLong ids = new AtomicLong();
        private final Deque<String> stderr = new ArrayDeque<>();
        private final Thread logReader;
        private volatile boolean dead;

        Worker(Process process, Consumer<String> announce) {
            this.process = process;
            this.requests = process.getOutputStream();
            this.announce = announce;
            Thread.ofPlatform()
                    .daemon()
                    .name("local-model-out-" + process.pid())
                    .start(this::readAnswers);
            logReader = Thread.ofPlatform()
                    .daemon()
                    .name("local-model-log-" + process.pid())
                    .start(this::readLog);
        }

        boolean alive() {
            return !dead;
        }

        /** Waits until the model is loaded or could not be (a download may take long: not bounded here). */
        Outcome loaded() {
            try {
                return start.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stop();
                throw new AiException(AiException.Kind.STOPPED, "the assistant is stopping");
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
        }

        @Override
        public void chat(ChatRequest request, StreamingChatResponseHandler handler) {
            long id = ids.incrementAndGet();
            calls.put(id, handler);
            if (dead) {
                fail(id);
                return;
            }
            ProviderHttpClient.onAbort(() -> cancel(id));
            ObjectNode line = JSON.createObjectNode()
                    .put("op", "chat")
                    .put("id", id)
                    .put("messages", ChatMessageSerializer.messagesToJson(request.messages()));
            if (request.maxOutputTokens() != null) {
                line.put("maxTokens", request.maxOutputTokens());
            }
            if (request.temperature() != null) {
                line.put("temperature", request.temperature());
            }
            var tools = line.putArray("tools");
            if (request.toolSpecifications() != null) {
                request.toolSpecifications()
                        .forEach(spec -> tools.add(JSON.valueToTree(ModelWorker.ToolSpec.of(spec))));
            }
            try {
                send(line);
            } catch (IOException e) {
                fail(id);
            }
        }

        private void cancel(long id) {
            if (calls.remove(id) != null && !dead) {
                try {
                    send(JSON.createObjectNode().put("op", "cancel").put("id", id));
                } catch (IOException e) {
                    // the worker is gone: nothing to cancel
                }
            }
        }

        private void send(JsonNode line) throws IOException {
            byte[] bytes = JSON.writeValueAsBytes(line);
            synchronized (requests) {
                requests.write(bytes);
                requests.write('\n');
                requests.flush();
            }
        }

        private void fail(long id) {
            StreamingChatResponseHandler handler = calls.remove(id);
            if (handler != null) {
                handler.onError(new AiException(AiException.Kind.UNAVAILABLE, texts.localModelStopped(0)));
            }
        }

        private void readAnswers() {
            try (InputStream in = new BufferedInputStream(process.getInputStream())) {
                for (Optional<String> line = ModelWorker.readLine(in);
                        line.isPresent();
                        line = ModelWorker.readLine(in)) {
                    answer(JSON.readTree(line.get()));
                }
            } catch (IOException | RuntimeException e) {
                if (!closed) {
                    LOG.warn(
                            "Local model process {}: unreadable answer ({}); stopping it", process.pid(), e.toString());
                }
            }
            int status = exitStatus();
            try {
                logReader.join(Duration.ofSeconds(2)); // its last words, for the report
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            // the crash is on record (and the back-off set) before anyone hears of it: a caller told the model
            // stopped finds the reason in problem(), and a new question cannot start a process before the pause
            if (!closed && start.isDone() && start.join() instanceof Outcome.Loaded) {
                crashed(status, lastStderr());
            }
            dead = true;
            start.complete(new Outcome.Exited(status, lastStderr()));
            List.copyOf(calls.keySet()).forEach(this::fail);
        }

        private void answer(JsonNode line) {
            if (line.has("event")) {
                switch (line.path("event").asText()) {
                    case "downloading" -> announce.accept(texts.downloading(config.model()));
                    case "loaded" ->
                        start.complete(new Outcome.Loaded(line.path("ms").asLong()));
                    case "failed" ->
                        start.complete(new Outcome.Failed(
                                line.path("io").asBoolean(), line.path("why").asText()));
                    default -> {}
                }
                return;
            }
            long id = line.path("id").asLong();
            StreamingChatResponseHandler handler = calls.get(id);
            if (handler == null) {
                return; // a cancelled call's last words
            }
            if (line.has("token")) {
                try {
                    handler.onPartialResponse(line.path("token").asText());
                } catch (RuntimeException | Error abandoned) {
                    // the caller stopped listening (ModelCall.Abandoned): the worker stops generating
                    cancel(id);
                }
            } else if (line.has("done")) {
                calls.remove(id);
                handler.onCompleteResponse(ModelWorker.response(line.path("done")));
                answered();
            } else if (line.has("error")) {
                calls.remove(id);
                handler.onError(new IllegalStateException(line.path("error").asText()));
            }
        }

        private void readLog() {
            try (BufferedReader log =
                    new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line = log.readLine(); line != null; line = log.readLine()) {
                    if (line.startsWith("WARNING: Using incubator modules")) {
                        continue; // the reason this process exists
                    }
                    // its own log has the time already
                    line = LOG_TIME.matcher(line).replaceFirst("");
                    synchronized (stderr) {
                        if (stderr.size() == STDERR_KEPT) {
                            stderr.removeFirst();
                        }
                        stderr.addLast(line.length() > 300 ? line.substring(0, 300) : line);
                    }
                    if (line.startsWith("WARNING: ")) {
                        // the JVM's notes on the libraries (e.g. sun.misc.Unsafe): the product's own log has them
                        LOG.debug("Local model process {}: {}", process.pid(), line);
                    } else {
                        LOG.info("Local model process {}: {}", process.pid(), line);
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }

        private String lastStderr() {
            synchronized (stderr) {
                return stderr.isEmpty() ? "" : " (its last words: " + String.join(" | ", stderr) + ")";
            }
        }

        private int exitStatus() {
            try {
                if (!process.waitFor(2, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
                return process.isAlive() ? -1 : process.exitValue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }

        /** Closes the worker's input, on which it exits; kills it if it has not within 5 s. */
        void stop() {
            try {
                requests.close();
            } catch (IOException e) {
                // already gone
            }
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}
