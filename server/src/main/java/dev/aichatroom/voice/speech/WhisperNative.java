package dev.aichatroom.voice.speech;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * whisper.cpp's C API, called through JNA on the very library whisper-jni extracted and loaded (found in {@code
 * /proc/self/maps}), for what whisper-jni 1.7.1 does not expose: each token's probability. {@code whisper_full} takes
 * its parameters by value: they are whisper.cpp's own defaults ({@code whisper_full_default_params_by_ref}) copied as
 * 264 bytes, with a few fields set at their offsets in whisper.cpp 1.7.1's {@code whisper_full_params}. Before any of
 * that is trusted, the defaults are checked at those offsets; on another layout {@link #load} says why and the caller
 * keeps whisper-jni (without confidence).
 */
final class WhisperNative {
    /** {@code sizeof(struct whisper_full_params)} in whisper.cpp 1.7.1 (whisper-jni 1.7.1's libwhisper.so.1). */
    static final int PARAMS_SIZE = 264;

    private static final int N_THREADS = 4;
    private static final int N_MAX_TEXT_CTX = 8;
    private static final int NO_TIMESTAMPS = 22;
    private static final int PRINT_PROGRESS = 25;
    private static final int PRINT_TIMESTAMPS = 27;
    private static final int LANGUAGE = 96;
    private static final int SUPPRESS_BLANK = 105;
    private static final int TEMPERATURE_INC = 120;
    private static final int ENTROPY_THOLD = 124;
    private static final int LOGPROB_THOLD = 128;
    private static final int GREEDY_BEST_OF = 136;
    private static final int GRAMMAR_PENALTY = 256;

    /** The functions used; names and signatures as in whisper.h. */
    interface Api extends Library {
        Pointer whisper_init_from_file(String path);

        void whisper_free(Pointer ctx);

        Pointer whisper_full_default_params_by_ref(int strategy);

        int whisper_full(Pointer ctx, Params params, float[] samples, int n);

        int whisper_full_n_segments(Pointer ctx);

        Pointer whisper_full_get_segment_text(Pointer ctx, int segment);

        int whisper_full_n_tokens(Pointer ctx, int segment);

        int whisper_full_get_token_id(Pointer ctx, int segment, int token);

        float whisper_full_get_token_p(Pointer ctx, int segment, int token);

        int whisper_token_eot(Pointer ctx);
    }

    /** {@code struct whisper_full_params} as bytes, passed by value. */
    public static final class Params extends Structure implements Structure.ByValue {
        public byte[] raw = new byte[PARAMS_SIZE];

        @Override
        protected List<String> getFieldOrder() {
            return List.of("raw");
        }
    }

    /** What was said and how sure whisper was of each text token. */
    record Result(String text, float[] tokenProbabilities) {
        /** The mean natural log of the text tokens' probabilities; 0 when there are none. */
        double meanLogProbability() {
            if (tokenProbabilities.length == 0) {
                return 0;
            }
            double sum = 0;
            for (float p : tokenProbabilities) {
                sum += Math.log(Math.max(p, 1e-9f));
            }
            return sum / tokenProbabilities.length;
        }
    }

    private final Api api;
    private final byte[] defaults;

    private WhisperNative(Api api, byte[] defaults) {
        this.api = api;
        this.defaults = defaults;
    }

    /**
     * Binds to the libwhisper whisper-jni loaded (call {@code WhisperJNI.loadLibrary} first).
     *
     * @return empty, with the reason in {@code why}, when the library is not found or its parameters are laid out
     *     otherwise than this class knows
     */
    static Optional<WhisperNative> load(StringBuilder why) {
        Optional<Path> lib = loadedLibrary();
        if (lib.isEmpty()) {
            why.append("libwhisper is not loaded in this process");
            return Optional.empty();
        }
        try {
            Api api = Native.load(lib.get().toString(), Api.class);
            Pointer p = api.whisper_full_default_params_by_ref(0); // greedy
            byte[] d = p.getByteArray(0, PARAMS_SIZE);
            Pointer language = p.getPointer(LANGUAGE);
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(d).order(java.nio.ByteOrder.nativeOrder());
            boolean known = b.getInt(0) == 0
                    && b.getInt(N_MAX_TEXT_CTX) == 16_384
                    && d[PRINT_PROGRESS] == 1
                    && language != null
                    && "en".equals(language.getString(0, StandardCharsets.UTF_8.name()))
                    && b.getFloat(TEMPERATURE_INC) == 0.2f
                    && b.getFloat(ENTROPY_THOLD) == 2.4f
                    && b.getFloat(LOGPROB_THOLD) == -1.0f
                    && b.getInt(GREEDY_BEST_OF) == 5
                    && b.getFloat(GRAMMAR_PENALTY) == 100.0f;
            if (!known) {
                why.append("whisper_full_params in ").append(lib.get()).append(" is not whisper.cpp 1.7.1's layout");
                return Optional.empty();
            }
            return Optional.of(new WhisperNative(api, d));
        } catch (RuntimeException | LinkageError e) {
            why.append("cannot bind to ").append(lib.get()).append(": ").append(e.getMessage());
            return Optional.empty();
        }
    }

    /** The libwhisper file mapped into this process, from {@code /proc/self/maps}. */
    static Optional<Path> loadedLibrary() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int slash = line.indexOf('/');
                if (slash >= 0) {
                    String path = line.substring(slash);
                    if (path.matches(".*/libwhisper\\.so(\\.\\d+)*")) {
                        return Optional.of(Path.of(path));
                    }
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** A whisper context for the model, or empty when whisper.cpp refuses it. */
    Optional<Pointer> init(Path model) {
        return Optional.ofNullable(api.whisper_init_from_file(model.toString()));
    }

    void free(Pointer ctx) {
        api.whisper_free(ctx);
    }

    /**
     * Transcribes 16 kHz mono samples greedily, without timestamps and without the temperature fallback (its sampled
     * guesses are what the caller must not act on; a low probability answers instead).
     *
     * @param language a language code or {@code auto}
     */
    Result full(Pointer ctx, float[] samples, String language, int threads) {
        Params params = new Params();
        System.arraycopy(defaults, 0, params.raw, 0, PARAMS_SIZE);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(params.raw).order(java.nio.ByteOrder.nativeOrder());
        b.putInt(N_THREADS, threads);
        params.raw[NO_TIMESTAMPS] = 1;
        params.raw[PRINT_PROGRESS] = 0;
        params.raw[PRINT_TIMESTAMPS] = 0;
        params.raw[SUPPRESS_BLANK] = 1;
        b.putFloat(TEMPERATURE_INC, 0f);
        Memory lang = new Memory(language.length() + 1L);
        lang.setString(0, language, StandardCharsets.US_ASCII.name());
        b.putLong(LANGUAGE, Pointer.nativeValue(lang));
        int status = api.whisper_full(ctx, params, samples, samples.length);
        if (status != 0) {
            throw new SpeechException("whisper.cpp failed with code " + status);
        }
        int eot = api.whisper_token_eot(ctx);
        StringBuilder text = new StringBuilder();
        List<Float> p = new ArrayList<>();
        for (int s = 0; s < api.whisper_full_n_segments(ctx); s++) {
            Pointer t = api.whisper_full_get_segment_text(ctx, s);
            if (t != null) {
                text.append(t.getString(0, StandardCharsets.UTF_8.name()));
            }
            for (int i = 0; i < api.whisper_full_n_tokens(ctx, s); i++) {
                if (api.whisper_full_get_token_id(ctx, s, i) < eot) { // text, not special tokens
                    p.add(api.whisper_full_get_token_p(ctx, s, i));
                }
            }
        }
        float[] probabilities = new float[p.size()];
        for (int i = 0; i < probabilities.length; i++) {
            probabilities[i] = p.get(i);
        }
        java.lang.ref.Reference.reachabilityFence(lang);
        return new Result(text.toString(), probabilities);
    }
}
