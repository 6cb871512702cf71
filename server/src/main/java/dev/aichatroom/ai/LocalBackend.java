package dev.aichatroom.ai;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import com.github.tjake.jlama.util.ProgressReporter;
import dev.langchain4j.model.chat.StreamingChatModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-process model (jlama). On first use it downloads the configured model into {@code
 * <modelDir>/<owner>_<name>/} (progress in the log, one notice in the room), then loads it; afterwards it works
 * offline, because jlama skips the hub once that folder holds the {@code .finished} marker.
 */
final class LocalBackend implements Backend {
    private static final Logger LOG = LoggerFactory.getLogger(LocalBackend.class);
    static final String VECTOR_MODULE = "jdk.incubator.vector";
    static final String FINISHED_MARKER = ".finished";

    private final AiConfig config;
    private final Texts texts;
    private final ReentrantLock loading = new ReentrantLock();
    private volatile AbstractModel loaded;
    private volatile StreamingChatModel chat;
    private volatile Optional<String> problem = Optional.empty();

    LocalBackend(AiConfig config, Texts texts) {
        this.config = config;
        this.texts = texts;
        if (!vectorModulePresent()) {
            problem = Optional.of("the JVM lacks --add-modules " + VECTOR_MODULE);
        }
    }

    static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
    }

    /** The model's folder: {@code <modelDir>/<owner>_<name>}, as jlama names it. */
    Path folder() {
        return config.modelDir().resolve(owner().orElse("na") + "_" + name());
    }

    private Optional<String> owner() {
        int slash = config.model().indexOf('/');
        return slash > 0 ? Optional.of(config.model().substring(0, slash)) : Optional.empty();
    }

    private String name() {
        return config.model().substring(config.model().indexOf('/') + 1);
    }

    @Override
    public StreamingChatModel model(Consumer<String> announce) {
        StreamingChatModel ready = chat;
        if (ready != null) {
            return ready;
        }
        if (!vectorModulePresent()) {
            problem = Optional.of(Texts.VECTOR_SETUP);
            throw new AiException(AiException.Kind.UNAVAILABLE, texts.vectorMissing());
        }
        loading.lock();
        try {
            if (chat == null) {
                if (!Files.exists(folder().resolve(FINISHED_MARKER))) {
                    download(announce);
                }
                long t0 = System.nanoTime();
                loaded = ModelSupport.loadModel(folder().toFile(), DType.F32, DType.I8);
                LOG.info("Local model {} loaded in {} ms", config.model(), (System.nanoTime() - t0) / 1_000_000);
                chat = new JlamaChat(loaded);
                problem = Optional.empty();
            }
            return chat;
        } catch (AiException e) {
            throw e;
        } catch (IOException | RuntimeException | LinkageError e) {
            String why = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            String setup = Texts.modelSetup(config.model(), folder().toString());
            problem = Optional.of("local model " + config.model() + " not available: " + why + "; " + setup);
            LOG.warn("Local model {} not available: {}; {}", config.model(), why.replaceAll("\\s+", " "), setup);
            throw new AiException(
                    AiException.Kind.UNAVAILABLE,
                    texts.modelMissing(config.model(), texts.cannotLoad(e instanceof IOException)),
                    Optional.empty(),
                    e);
        } finally {
            loading.unlock();
        }
    }

    private void download(Consumer<String> announce) throws IOException {
        Files.createDirectories(config.modelDir());
        LOG.info("Local model {} not in {}; downloading it", config.model(), folder());
        Progress progress = new Progress(() -> announce.accept(texts.downloading(config.model())));
        SafeTensorSupport.maybeDownloadModel(
                config.modelDir().toString(),
                owner(),
                name(),
                true,
                Optional.empty(),
                Optional.empty(),
                Optional.of(progress));
        LOG.info("Local model {} downloaded to {}", config.model(), folder());
    }

    /** Logs each file's progress every 10 % and announces the download once, when bytes start to flow. */
    private static final class Progress implements ProgressReporter {
        private final Runnable announce;
        private final Map<String, Integer> lastDecile = new ConcurrentHashMap<>();
        private volatile boolean announced;

        Progress(Runnable announce) {
            this.announce = announce;
        }

        @Override
        public void update(String file, long done, long total) {
            if (!announced) {
                announced = true;
                announce.run();
            }
            int decile = total > 0 ? (int) (done * 10 / total) : 0;
            Integer before = lastDecile.put(file, decile);
            if (before == null || before != decile) {
                LOG.info("Downloading {}: {} % of {} MB", file, decile * 10, total / (1024 * 1024));
            }
        }
    }

    @Override
    public String describe() {
        return "local " + config.model() + " in " + folder()
                + (chat != null
                        ? ""
                        : Files.exists(folder().resolve(FINISHED_MARKER))
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
        AbstractModel model = loaded;
        if (model != null) {
            try {
                model.close();
            } catch (Exception e) {
                LOG.debug("Closing the local model: {}", e.toString());
            }
        }
    }
}
