package dev.aichatroom.voice;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.aichatroom.voice.speech.Pcm;
import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * Silero VAD v5 (MIT licence, the ONNX file npm's {@code @ricky0123/vad-web} ships; the build packs it into the jar as
 * {@value #RESOURCE}) run through ONNX Runtime: whether a 10 ms frame is speech, judged on 32 ms windows of 16 kHz audio
 * with the model's recurrent state. One model for all calls (ONNX Runtime sessions are safe to run from several
 * threads); each call has a {@link Stream} with its own state.
 */
final class SileroVad implements AutoCloseable {
    static final String RESOURCE = "/voice/silero_vad_v5.onnx";
    static final int RATE = 16_000;
    static final int WINDOW = 512;
    private static final int CONTEXT = 64;
    /** Speech starts at this probability and ends below {@link #END} (the model authors' hysteresis). */
    static final float START = 0.5f;

    static final float END = 0.35f;

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;

    private SileroVad(OrtSession session) {
        this.session = session;
    }

    /**
     * Loads the model from the jar.
     *
     * @throws IllegalStateException when it is missing or ONNX Runtime cannot run it, saying why
     */
    static SileroVad load() {
        byte[] model;
        try (InputStream in = SileroVad.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(
                        RESOURCE + " is not in the jar (the web module's npm ci puts it there)");
            }
            model = in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + RESOURCE + ": " + e.getMessage(), e);
        }
        try {
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            options.setIntraOpNumThreads(1); // 3-4 ms per 32 ms window: one thread, the calls' listeners share the rest
            options.setInterOpNumThreads(1);
            return new SileroVad(OrtEnvironment.getEnvironment().createSession(model, options));
        } catch (OrtException | RuntimeException | LinkageError e) {
            throw new IllegalStateException("ONNX Runtime cannot load Silero VAD: " + e.getMessage(), e);
        }
    }

    Stream stream() {
        return new Stream();
    }

    /** One call's audio: not thread-safe, the call's listener owns it. */
    final class Stream {
        private float[] state = new float[2 * 128];
        private final float[] input = new float[CONTEXT + WINDOW];
        private int filled;
        private boolean speech;
        private float probability;

        /**
         * Takes a 10 ms frame (mono, any rate); returns whether speech is going on, as of the last complete window.
         *
         * @throws IllegalStateException when the model fails to run
         */
        boolean speech(Pcm frame) {
            short[] s = frame.resample(RATE).samples();
            for (short v : s) {
                input[CONTEXT + filled++] = v / 32768f;
                if (filled == WINDOW) {
                    probability = run();
                    speech = speech ? probability >= END : probability >= START;
                    System.arraycopy(input, WINDOW, input, 0, CONTEXT); // the window's last 64 samples lead the next
                    filled = 0;
                }
            }
            return speech;
        }

        /** The speech probability of the last window. */
        float probability() {
            return probability;
        }

        private float run() {
            Map<String, OnnxTensor> inputs = new HashMap<>();
            try {
                inputs.put(
                        "input", OnnxTensor.createTensor(env, FloatBuffer.wrap(input), new long[] {1, input.length}));
                inputs.put("state", OnnxTensor.createTensor(env, FloatBuffer.wrap(state), new long[] {2, 1, 128}));
                inputs.put("sr", OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {RATE}), new long[] {1}));
                try (OrtSession.Result r = session.run(inputs)) {
                    float p = ((OnnxTensor) r.get("output").orElseThrow())
                            .getFloatBuffer()
                            .get(0);
                    FloatBuffer next = ((OnnxTensor) r.get("stateN").orElseThrow()).getFloatBuffer();
                    float[] n = new float[state.length];
                    next.get(n);
                    state = n;
                    return p;
                }
            } catch (OrtException e) {
                throw new IllegalStateException("Silero VAD failed: " + e.getMessage(), e);
            } finally {
                inputs.values().forEach(OnnxTensor::close);
            }
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            // closing
        }
    }
}
