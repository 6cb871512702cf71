package dev.aichatroom.voice.speech;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a tiny hand-designed whisper model (≈1 MB) in whisper.cpp's legacy ggml {@code .bin} format, as
 * {@code whisper_model_load} in whisper.cpp 1.7 reads it: magic, hyper-parameters, mel filters, vocabulary, then the
 * named tensors. It is multilingual-shaped (51865 tokens, so the prompt is sot, language, transcribe) with an 8-wide
 * state, two heads and one encoder and one decoder layer, and its weights are chosen, not trained, so that greedy
 * decoding is known: audio with sound in it reads {@value #HEARD}, digital silence reads {@value #SILENT} (the
 * annotation real whisper.cpp models write for silence); each is one token followed by end-of-text, with logit margins
 * of 40 or more, so whisper.cpp's temperature fallback never starts.
 *
 * <p>How: mel filter 0 sums the power spectrum. Conv1 thresholds that band's normalised log-mel at −1 (digital
 * silence is −1.5 everywhere; any clip with sound lifts every frame above −0.5, because whisper.cpp clamps the
 * spectrogram 8 decades below its maximum), the encoder blocks pass the residual through (zero weights), and the final
 * encoder layer norm turns each frame into +u (sound) or −u (silence). In the decoder, cross-attention with a zero
 * query averages the frames into ±d2; self-attention and the MLP are zero. The token embedding (tied to the output)
 * puts every token at d1 except {@value #HEARD} (2·d2 + d3), {@value #SILENT} (−2·d2 + d3) and end-of-text (16·d3),
 * where d1, d2, d3 are orthogonal zero-mean directions. After a prompt token the normalised state is d1 ± d2, whose
 * best match is {@value #HEARD} or {@value #SILENT}; after either word it is ±3·d2 + d3, whose best match is
 * end-of-text.
 */
final class TinyWhisperModel {
    static final String HEARD = "hello";
    static final String SILENT = "[BLANK_AUDIO]";

    static final int VOCAB = 51865;
    static final int AUDIO_CTX = 1500;
    static final int STATE = 8;
    static final int HEADS = 2;
    static final int LAYERS = 1;
    static final int TEXT_CTX = 448;
    static final int MELS = 80;
    /** 1 = F16 weight matrices, F32 biases, norms and positional embeddings: the layout of the published models. */
    static final int FTYPE = 1;

    private static final int MAGIC = 0x67676d6c; // "ggml"
    private static final int N_FFT = 201; // 1 + WHISPER_N_FFT / 2
    private static final int EOT = 50257; // multilingual vocabulary
    private static final int F32 = 0;
    private static final int F16 = 1;
    /** The text tokens in the file; whisper.cpp names the other ids itself. " " must exist (suppress_blank). */
    private static final List<String> WORDS = List.of(" ", " " + HEARD, " " + SILENT);

    /** Where the mel filters, the vocabulary and the tensors start in the file (for tests that cut it short). */
    static final long FILTERS = 4 + 11 * 4;

    static final long VOCABULARY = FILTERS + 8 + 4L * MELS * N_FFT;
    static final long TENSORS = VOCABULARY
            + 4
            + WORDS.stream()
                    .mapToLong(w -> 4 + w.getBytes(StandardCharsets.UTF_8).length)
                    .sum();

    private static final int HEARD_ID = 1;
    private static final int SILENT_ID = 2;
    private static final float OUTPUT_GAIN = 16;
    private static final float EOT_WEIGHT = 16;
    /** Conv1 maps band 0's log-mel m to gelu(SLOPE · (m + 1)): ≈0 for silence (−1.5), ≥4 for sound (≥ −0.5). */
    private static final float SLOPE = 8;
    /** 1 / (the first entry of the layer-normed frame, 7/√7 ≈ 2.646, for an 8-wide state with one non-zero entry). */
    private static final float UNIT = (float) (1 / Math.sqrt(7));

    private TinyWhisperModel() {}

    /** Writes the model to {@code file}; returns it. */
    static Path write(Path file) throws IOException {
        return write(file, OUTPUT_GAIN);
    }

    /**
     * Writes the model with another gain on the decoder's output: every logit scales with it, so the greedy choice
     * stays the same while its probability falls — with a gain of 0.5 " hello" still wins, but with a probability of
     * about 1/15,000 among 51,865 near-equal tokens: a model that mumbles.
     */
    static Path write(Path file, float gain) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            Writer w = new Writer(out);
            w.i32(MAGIC);
            for (int h :
                    new int[] {VOCAB, AUDIO_CTX, STATE, HEADS, LAYERS, TEXT_CTX, STATE, HEADS, LAYERS, MELS, FTYPE}) {
                w.i32(h);
            }
            // mel filters: band 0 is the whole power spectrum, the others are empty
            w.i32(MELS);
            w.i32(N_FFT);
            for (int band = 0; band < MELS; band++) {
                for (int bin = 0; bin < N_FFT; bin++) {
                    w.f32(band == 0 ? 1 : 0);
                }
            }
            w.i32(WORDS.size());
            for (String word : WORDS) {
                byte[] b = word.getBytes(StandardCharsets.UTF_8);
                w.i32(b.length);
                w.out.write(b);
            }
            encoder(w);
            decoder(w, gain);
        }
        return file;
    }

    private static void encoder(Writer w) throws IOException {
        float[] pe = new float[STATE * AUDIO_CTX];
        for (int t = 0; t < AUDIO_CTX; t++) {
            pe[t * STATE] = -1; // shifts the conv output: silence ≈ −1, sound ≥ 3
        }
        w.tensor("encoder.positional_embedding", F32, pe, STATE, AUDIO_CTX);
        float[] conv1 = new float[3 * MELS * STATE]; // [out][in][tap]
        conv1[1] = SLOPE; // out 0 ← band 0, centre tap
        w.tensor("encoder.conv1.weight", F16, conv1, 3, MELS, STATE);
        float[] conv1Bias = new float[STATE];
        conv1Bias[0] = SLOPE;
        w.tensor("encoder.conv1.bias", F32, conv1Bias, 1, STATE);
        float[] conv2 = new float[3 * STATE * STATE];
        conv2[1] = 1; // out 0 ← in 0, centre tap
        w.tensor("encoder.conv2.weight", F16, conv2, 3, STATE, STATE);
        w.tensor("encoder.conv2.bias", F32, new float[STATE], 1, STATE);
        w.tensor("encoder.ln_post.weight", F32, filled(STATE, 1), STATE);
        w.tensor("encoder.ln_post.bias", F32, new float[STATE], STATE);
        for (int layer = 0; layer < LAYERS; layer++) {
            String p = "encoder.blocks." + layer + ".";
            passThroughBlock(w, p);
        }
    }

    private static void decoder(Writer w, float gain) throws IOException {
        w.tensor("decoder.positional_embedding", F32, new float[STATE * TEXT_CTX], STATE, TEXT_CTX);
        float[] te = new float[STATE * VOCAB];
        for (int id = 0; id < VOCAB; id++) {
            put(te, id, direction(1, 1)); // d1
        }
        put(te, HEARD_ID, add(direction(2, 2), direction(3, 1)));
        put(te, SILENT_ID, add(direction(2, -2), direction(3, 1)));
        put(te, EOT, direction(3, EOT_WEIGHT));
        w.tensor("decoder.token_embedding.weight", F16, te, STATE, VOCAB);
        w.tensor("decoder.ln.weight", F32, filled(STATE, gain), STATE);
        w.tensor("decoder.ln.bias", F32, new float[STATE], STATE);
        for (int layer = 0; layer < LAYERS; layer++) {
            String p = "decoder.blocks." + layer + ".";
            passThroughBlock(w, p);
            w.tensor(p + "cross_attn_ln.weight", F32, filled(STATE, 1), STATE);
            w.tensor(p + "cross_attn_ln.bias", F32, new float[STATE], STATE);
            // a zero query attends to every frame equally: the output is the frames' mean
            w.tensor(p + "cross_attn.query.weight", F16, new float[STATE * STATE], STATE, STATE);
            w.tensor(p + "cross_attn.query.bias", F32, new float[STATE], STATE);
            w.tensor(p + "cross_attn.key.weight", F16, new float[STATE * STATE], STATE, STATE);
            float[] value = new float[STATE * STATE]; // [out][in]
            value[0] = UNIT; // ±1 in channel 0
            w.tensor(p + "cross_attn.value.weight", F16, value, STATE, STATE);
            w.tensor(p + "cross_attn.value.bias", F32, new float[STATE], STATE);
            float[] out = new float[STATE * STATE];
            out[2 * STATE] = 1; // channel 0 → +d2
            out[3 * STATE] = -1;
            w.tensor(p + "cross_attn.out.weight", F16, out, STATE, STATE);
            w.tensor(p + "cross_attn.out.bias", F32, new float[STATE], STATE);
        }
    }

    /** Attention and MLP with zero weights: the block adds nothing to the residual stream. */
    private static void passThroughBlock(Writer w, String p) throws IOException {
        w.tensor(p + "attn_ln.weight", F32, filled(STATE, 1), STATE);
        w.tensor(p + "attn_ln.bias", F32, new float[STATE], STATE);
        w.tensor(p + "attn.query.weight", F16, new float[STATE * STATE], STATE, STATE);
        w.tensor(p + "attn.query.bias", F32, new float[STATE], STATE);
        w.tensor(p + "attn.key.weight", F16, new float[STATE * STATE], STATE, STATE);
        w.tensor(p + "attn.value.weight", F16, new float[STATE * STATE], STATE, STATE);
        w.tensor(p + "attn.value.bias", F32, new float[STATE], STATE);
        w.tensor(p + "attn.out.weight", F16, new float[STATE * STATE], STATE, STATE);
        w.tensor(p + "attn.out.bias", F32, new float[STATE], STATE);
        w.tensor(p + "mlp_ln.weight", F32, filled(STATE, 1), STATE);
        w.tensor(p + "mlp_ln.bias", F32, new float[STATE], STATE);
        w.tensor(p + "mlp.0.weight", F16, new float[STATE * 4 * STATE], STATE, 4 * STATE);
        w.tensor(p + "mlp.0.bias", F32, new float[4 * STATE], 4 * STATE);
        w.tensor(p + "mlp.2.weight", F16, new float[4 * STATE * STATE], 4 * STATE, STATE);
        w.tensor(p + "mlp.2.bias", F32, new float[STATE], STATE);
    }

    /** k·d_n, where d_n = e_{2n−2} − e_{2n−1}: orthogonal directions whose entries sum to zero. */
    private static float[] direction(int n, float k) {
        float[] v = new float[STATE];
        v[2 * n - 2] = k;
        v[2 * n - 1] = -k;
        return v;
    }

    private static float[] add(float[] a, float[] b) {
        float[] v = new float[STATE];
        for (int i = 0; i < STATE; i++) {
            v[i] = a[i] + b[i];
        }
        return v;
    }

    private static void put(float[] embedding, int id, float[] v) {
        System.arraycopy(v, 0, embedding, id * STATE, STATE);
    }

    private static float[] filled(int n, float value) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, value);
        return v;
    }

    /** Little-endian writes in the loader's field order. */
    private record Writer(OutputStream out) {
        void i32(int v) throws IOException {
            out.write(ByteBuffer.allocate(4)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(v)
                    .array());
        }

        void f32(float v) throws IOException {
            i32(Float.floatToIntBits(v));
        }

        /** n_dims, name length, type, ne[] (innermost first), name, data. */
        void tensor(String name, int type, float[] data, int... ne) throws IOException {
            int count = 1;
            for (int n : ne) {
                count *= n;
            }
            if (count != data.length) {
                throw new IllegalArgumentException(name + ": " + data.length + " values for " + count);
            }
            byte[] n = name.getBytes(StandardCharsets.US_ASCII);
            i32(ne.length);
            i32(n.length);
            i32(type);
            for (int d : ne) {
                i32(d);
            }
            out.write(n);
            ByteBuffer b =
                    ByteBuffer.allocate(data.length * (type == F16 ? 2 : 4)).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : data) {
                if (type == F16) {
                    b.putShort(Float.floatToFloat16(v));
                } else {
                    b.putFloat(v);
                }
            }
            out.write(b.array());
        }
    }
}
