package dev.aichatroom.ai;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import com.github.tjake.jlama.util.ProgressReporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local model's files and their loading, in the model's own process ({@link ModelWorker}): the model is downloaded
 * into {@code <modelDir>/<owner>_<name>/} when that folder lacks jlama's {@code .finished} marker (progress in the
 * log), then loaded; afterwards it works offline.
 */
final class LocalModel {
    private static final Logger LOG = LoggerFactory.getLogger(LocalModel.class);
    static final String FINISHED_MARKER = ".finished";

    private final String model;
    private final Path modelDir;

    LocalModel(String model, Path modelDir) {
        this.model = model;
        this.modelDir = modelDir;
    }

    /** The model's folder: {@code <modelDir>/<owner>_<name>}, as jlama names it. */
    static Path folder(String model, Path modelDir) {
        int slash = model.indexOf('/');
        String owner = slash > 0 ? model.substring(0, slash) : "na";
        return modelDir.resolve(owner + "_" + model.substring(slash + 1));
    }

    Path folder() {
        return folder(model, modelDir);
    }

    static boolean downloaded(String model, Path modelDir) {
        return Files.exists(folder(model, modelDir).resolve(FINISHED_MARKER));
    }

    /**
     * Downloads the model if needed, then loads it.
     *
     * @param downloading called once, when the download's first bytes arrive
     */
    AbstractModel load(Runnable downloading) throws IOException {
        if (!downloaded(model, modelDir)) {
            download(downloading);
        }
        return ModelSupport.loadModel(folder().toFile(), DType.F32, DType.I8);
    }

    private void download(Runnable downloading) throws IOException {
        Files.createDirectories(modelDir);
        LOG.info("Local model {} not in {}; downloading it", model, folder());
        int slash = model.indexOf('/');
        SafeTensorSupport.maybeDownloadModel(
                modelDir.toString(),
                slash > 0 ? Optional.of(model.substring(0, slash)) : Optional.empty(),
                model.substring(slash + 1),
                true,
                Optional.empty(),
                Optional.empty(),
                Optional.of(new Progress(downloading)));
        LOG.info("Local model {} downloaded to {}", model, folder());
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
}
