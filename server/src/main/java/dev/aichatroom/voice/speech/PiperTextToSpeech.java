package dev.aichatroom.voice.speech;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Piper voice (a VITS model exported to ONNX, with its {@code .onnx.json} beside it) run by ONNX Runtime — Piper's own
 * pipeline: the text is turned into IPA phonemes by espeak-ng ({@link EspeakPhonemes}, the voice's {@code
 * espeak.voice}), the phonemes into ids by the voice's {@code phoneme_id_map} ({@code ^}, each phoneme followed by the
 * pad {@code _}, {@code $}), and the model's output into 16-bit audio at the voice's rate, scaled to full range as
 * Piper does. The model loads on first use; one synthesis at a time per voice.
 */
final class PiperTextToSpeech implements TextToSpeech {
    private static final Logger LOG = LoggerFactory.getLogger(PiperTextToSpeech.class);

    private final Path model;
    private final Path config;
    private final ReentrantLock lock = new ReentrantLock();
    private Voice voice;
    private OrtSession session;

    /** What the voice's {@code .onnx.json} says. */
    record Voice(
            int sampleRate,
            String espeakVoice,
            Map<Integer, long[]> ids,
            float noiseScale,
            float lengthScale,
            float noiseW,
            int speakers) {

        static Voice read(Path json) {
            JsonNode root;
            try {
                root = new ObjectMapper().readTree(json.toFile());
            } catch (IOException e) {
                throw new SpeechException("cannot read the Piper voice config " + json + ": " + e.getMessage(), e);
            }
            JsonNode map = root.path("phoneme_id_map");
            if (!map.isObject()
                    || map.isEmpty()
                    || !root.path("audio").path("sample_rate").canConvertToInt()) {
                throw new SpeechException(
                        json + " is not a Piper voice config (needs audio.sample_rate and phoneme_id_map)");
            }
            Map<Integer, long[]> ids = new HashMap<>();
            map.properties().forEach(e -> {
                String phoneme = e.getKey();
                if (phoneme.codePointCount(0, phoneme.length()) == 1
                        && e.getValue().isArray()) {
                    long[] v = new long[e.getValue().size()];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = e.getValue().get(i).asLong();
                    }
                    ids.put(phoneme.codePointAt(0), v);
                }
            });
            for (String required : List.of("^", "$", "_")) {
                if (!ids.containsKey(required.codePointAt(0))) {
                    throw new SpeechException(json + " has no id for '" + required + "' in phoneme_id_map");
                }
            }
            JsonNode inference = root.path("inference");
            return new Voice(
                    root.path("audio").path("sample_rate").asInt(),
                    root.path("espeak").path("voice").asText("en-us"),
                    Map.copyOf(ids),
                    (float) inference.path("noise_scale").asDouble(0.667),
                    (float) inference.path("length_scale").asDouble(1.0),
                    (float) inference.path("noise_w").asDouble(0.8),
                    root.path("num_speakers").asInt(1));
        }

        /** Piper's ids: {@code ^ _ p₁ _ p₂ _ … $}; phonemes the voice does not know are left out. */
        long[] idsOf(String phonemes) {
            List<Long> out = new ArrayList<>();
            add(out, '^');
            add(out, '_');
            phonemes.codePoints().forEach(c -> {
                long[] v = ids.get(c);
                if (v != null) {
                    for (long id : v) {
                        out.add(id);
                    }
                    add(out, '_');
                }
            });
            add(out, '$');
            return out.stream().mapToLong(Long::longValue).toArray();
        }

        private void add(List<Long> out, int phoneme) {
            for (long id : ids.get(phoneme)) {
                out.add(id);
            }
        }
    }

    /**
     * @param model the voice's {@code .onnx}; its config is {@code MODEL.json}
     */
    PiperTextToSpeech(Path model) {
        this.model = model;
        this.config = model.resolveSibling(model.getFileName() + ".json");
    }

    /** Reads the config and loads the model now (a damaged file fails here, not in a call). */
    @Override
    public void warmUp() {
        lock.lock();
        try {
            load();
        } finally {
            lock.unlock();
        }
    }

    private void load() {
        if (session != null) {
            return;
        }
        if (!Files.isRegularFile(config)) {
            throw new SpeechException("the Piper voice " + model + " has no config " + config.getFileName()
                    + " beside it (download both files of the voice)");
        }
        Voice v = Voice.read(config);
        try {
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            // on two shared cores one thread per synthesis: the other one keeps WebRTC and the chat going
            options.setIntraOpNumThreads(Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
            options.setInterOpNumThreads(1);
            session = OrtEnvironment.getEnvironment().createSession(model.toString(), options);
        } catch (OrtException | RuntimeException | LinkageError e) {
            throw new SpeechException("ONNX Runtime cannot load the Piper voice " + model + ": " + e.getMessage(), e);
        }
        voice = v;
        LOG.debug("Piper voice {} loaded ({} Hz, espeak-ng voice {})", model, v.sampleRate(), v.espeakVoice());
    }

    @Override
    public Pcm synthesize(String text) {
        lock.lock();
        try {
            load();
            String phonemes = EspeakPhonemes.of(text, voice.espeakVoice());
            long[] ids = voice.idsOf(phonemes);
            if (ids.length <= 3) {
                return new Pcm(new short[0], voice.sampleRate());
            }
            return new Pcm(run(ids), voice.sampleRate());
        } finally {
            lock.unlock();
        }
    }

    private short[] run(long[] ids) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            inputs.put("input", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), new long[] {1, ids.length}));
            inputs.put(
                    "input_lengths",
                    OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {ids.length}), new long[] {1}));
            inputs.put(
                    "scales",
                    OnnxTensor.createTensor(
                            env,
                            FloatBuffer.wrap(new float[] {voice.noiseScale(), voice.lengthScale(), voice.noiseW()}),
                            new long[] {3}));
            if (voice.speakers() > 1 && session.getInputNames().contains("sid")) {
                inputs.put("sid", OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {0}), new long[] {1}));
            }
            try (OrtSession.Result result = session.run(inputs)) {
                OnnxTensor out = (OnnxTensor) result.get(0);
                FloatBuffer audio = out.getFloatBuffer();
                return toPcm(audio);
            }
        } catch (OrtException e) {
            throw new SpeechException("Piper voice " + model.getFileName() + " failed: " + e.getMessage(), e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    /** Piper's scaling: the loudest sample to full range (no more than ×100 for near silence). */
    static short[] toPcm(FloatBuffer audio) {
        float[] f = new float[audio.remaining()];
        audio.get(f);
        float max = 0.01f;
        for (float x : f) {
            max = Math.max(max, Math.abs(x));
        }
        float scale = 32767f / max;
        short[] s = new short[f.length];
        for (int i = 0; i < f.length; i++) {
            s[i] = (short) Math.max(-32768, Math.min(32767, Math.round(f[i] * scale)));
        }
        return s;
    }

    @Override
    public String describe() {
        return "Piper voice " + model.getFileName() + " (ONNX Runtime)";
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (session != null) {
                session.close();
                session = null;
            }
        } catch (OrtException e) {
            LOG.debug("Closing the Piper voice {}: {}", model, e.getMessage());
        } finally {
            lock.unlock();
        }
    }
}
