package dev.aichatroom.voice.speech;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Checks that a file is a complete whisper.cpp ggml model before whisper.cpp reads it. whisper.cpp 1.7's loader trusts
 * the file: cut short in its header or vocabulary, it "loads" an empty model whose first transcription aborts the JVM
 * ({@code std::out_of_range}) or returns nothing forever; with garbage after the magic it aborts while allocating.
 * This walks the same layout — magic, hyper-parameters, mel filters, vocabulary, then every tensor's header and data —
 * reading only headers, and fails with what is wrong and where.
 */
final class WhisperModelFile {
    private static final int MAGIC = 0x67676d6c; // "ggml", little-endian
    private static final int N_FFT = 201; // 1 + WHISPER_N_FFT / 2, the only width whisper.cpp's mel code handles
    /** ggml file types (ftype modulo the quantisation version factor 1000): F32, F16 and the quantize tool's. */
    private static final Set<Integer> FILE_TYPES = Set.of(0, 1, 2, 3, 7, 8, 9, 10, 11, 12, 13, 14);

    private WhisperModelFile() {}

    /** @throws SpeechException naming the file when whisper.cpp could not load it safely */
    static void check(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            new Walk(channel).run();
        } catch (NoSuchFileException e) {
            throw new SpeechException("whisper model file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new SpeechException("whisper model file " + file + " cannot be read: " + e, e);
        } catch (Damaged e) {
            throw new SpeechException(
                    "whisper.cpp cannot load " + file + ": " + e.getMessage()
                            + " (a whisper.cpp ggml model such as ggml-base.bin is needed; is the download complete?)",
                    e);
        }
    }

    /** The eleven hyper-parameters that follow the magic number, in file order. */
    private record Hyper(
            int vocab,
            int audioCtx,
            int audioState,
            int audioHeads,
            int audioLayers,
            int textCtx,
            int textState,
            int textHeads,
            int textLayers,
            int mels,
            int ftype) {
        static final int COUNT = 11;

        static Hyper of(int[] h) {
            return new Hyper(h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10]);
        }
    }

    private static final class Damaged extends Exception {
        private static final long serialVersionUID = 1L;

        Damaged(String message) {
            super(message, null, false, false);
        }
    }

    private static final class Walk {
        private final FileChannel channel;
        private final long size;
        private long pos;

        Walk(FileChannel channel) throws IOException {
            this.channel = channel;
            this.size = channel.size();
        }

        void run() throws IOException, Damaged {
            int magic = i32("the magic number");
            if (magic != MAGIC) {
                throw new Damaged(String.format("not a whisper.cpp ggml model (it starts with 0x%08x)", magic));
            }
            int[] values = new int[Hyper.COUNT];
            for (int i = 0; i < values.length; i++) {
                values[i] = i32("the hyper-parameters");
            }
            Hyper h = Hyper.of(values);
            int vocab = h.vocab();
            int mels = h.mels();
            // whisper.cpp derives its special tokens from the vocabulary size: only Whisper's own sizes work
            check(vocab >= 51864 && vocab <= 51866, "n_vocab " + vocab + " is not a Whisper vocabulary (51864-51866)");
            check(h.audioCtx() > 0 && h.audioCtx() <= 1500, "n_audio_ctx " + h.audioCtx() + " is not 1-1500");
            check(h.textCtx() > 0 && h.textCtx() <= 4096, "n_text_ctx " + h.textCtx() + " is not 1-4096");
            check(mels > 0 && mels <= 512, "n_mels " + mels + " is not 1-512");
            // ggml aborts the process on a file type it has no weight type for (whisper.cpp's own check comes after)
            check(FILE_TYPES.contains(h.ftype() % 1000), "ftype " + h.ftype() + " is not a type whisper.cpp loads");
            checkStack(h.audioState(), h.audioHeads(), h.audioLayers());
            checkStack(h.textState(), h.textHeads(), h.textLayers());

            int filterMels = i32("the mel filters");
            int filterFft = i32("the mel filters");
            check(
                    filterMels == mels && filterFft == N_FFT,
                    "mel filters of " + filterMels + "×" + filterFft + " where " + mels + "×" + N_FFT + " are needed");
            skip(4L * filterMels * filterFft, "the mel filters");

            int words = i32("the vocabulary");
            check(words >= 0 && words <= vocab, words + " vocabulary entries for n_vocab " + vocab);
            boolean space = false;
            for (int i = 0; i < words; i++) {
                int length = i32("the vocabulary");
                check(length >= 0 && length <= 1024, "vocabulary entry " + i + " is " + length + " bytes long");
                if (length == 1) {
                    space |= read(1, "the vocabulary").get() == ' ';
                } else {
                    skip(length, "the vocabulary");
                }
            }
            // whisper.cpp looks the blank token up by text on every transcription and aborts without it
            check(space, "its vocabulary has no \" \" token");

            Map<String, long[]> expected = tensors(h);
            Set<String> seen = new HashSet<>();
            while (pos < size) {
                int dims = i32("a tensor header");
                int nameLength = i32("a tensor header");
                int type = i32("a tensor header");
                check(dims >= 1 && dims <= 4, "a tensor with " + dims + " dimensions");
                check(nameLength >= 1 && nameLength <= 256, "a tensor name of " + nameLength + " bytes");
                long[] shape = {1, 1, 1, 1};
                long elements = 1;
                for (int d = 0; d < dims; d++) {
                    shape[d] = i32("a tensor header");
                    check(shape[d] > 0, "a tensor dimension of " + shape[d]);
                    elements *= shape[d];
                }
                ByteBuffer nameBytes = read(nameLength, "a tensor name");
                String name = StandardCharsets.UTF_8.decode(nameBytes).toString();
                long[] want = expected.get(name);
                check(want != null, "unknown tensor '" + name + "'");
                check(seen.add(name), "tensor '" + name + "' appears twice");
                check(
                        Arrays.equals(shape, want),
                        "tensor '" + name + "' is " + Arrays.toString(shape) + ", not " + Arrays.toString(want));
                int[] block = typeSize(type);
                check(block != null, "tensor '" + name + "' has the unknown type " + type);
                check(elements % block[0] == 0, "tensor '" + name + "' is not whole blocks of type " + type);
                skip(elements / block[0] * block[1], "tensor '" + name + "'");
            }
            check(seen.size() == expected.size(), "it has " + seen.size() + " of its " + expected.size() + " tensors");
        }

        /** The encoder's or the decoder's width, heads and layers. */
        private static void checkStack(int state, int heads, int layers) throws Damaged {
            check(state > 0 && state <= 16384, "a state width of " + state);
            check(heads > 0 && state % heads == 0, heads + " heads for a state width of " + state);
            check(layers > 0 && layers <= 256, layers + " layers");
        }

        /** Fails unless {@code n} more bytes are in the file. */
        private void need(long n, String what) throws Damaged {
            if (size - pos < n) {
                throw new Damaged("the file ends at byte " + size + ", inside " + what);
            }
        }

        private ByteBuffer read(int n, String what) throws IOException, Damaged {
            need(n, what);
            ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
            while (b.hasRemaining()) {
                if (channel.read(b, pos + b.position()) < 0) {
                    throw new Damaged("the file ends at byte " + (pos + b.position()) + ", inside " + what);
                }
            }
            pos += n;
            return b.flip();
        }

        private int i32(String what) throws IOException, Damaged {
            return read(4, what).getInt();
        }

        private void skip(long n, String what) throws Damaged {
            need(n, what);
            pos += n;
        }

        private static void check(boolean ok, String problem) throws Damaged {
            if (!ok) {
                throw new Damaged(problem);
            }
        }
    }

    /** Name → shape (innermost dimension first, padded with 1s) of every tensor whisper.cpp 1.7 expects. */
    private static Map<String, long[]> tensors(Hyper h) {
        int sa = h.audioState();
        int st = h.textState();
        Map<String, long[]> t = new HashMap<>();
        t.put("encoder.positional_embedding", shape(sa, h.audioCtx()));
        t.put("encoder.conv1.weight", shape(3, h.mels(), sa));
        t.put("encoder.conv1.bias", shape(1, sa));
        t.put("encoder.conv2.weight", shape(3, sa, sa));
        t.put("encoder.conv2.bias", shape(1, sa));
        t.put("encoder.ln_post.weight", shape(sa));
        t.put("encoder.ln_post.bias", shape(sa));
        for (int i = 0; i < h.audioLayers(); i++) {
            block(t, "encoder.blocks." + i + ".", sa, "attn");
        }
        t.put("decoder.positional_embedding", shape(st, h.textCtx()));
        t.put("decoder.token_embedding.weight", shape(st, h.vocab()));
        t.put("decoder.ln.weight", shape(st));
        t.put("decoder.ln.bias", shape(st));
        for (int i = 0; i < h.textLayers(); i++) {
            String p = "decoder.blocks." + i + ".";
            block(t, p, st, "attn");
            block(t, p, st, "cross_attn");
        }
        return t;
    }

    /** An attention's tensors (and, for self-attention, the MLP's). */
    private static void block(Map<String, long[]> t, String p, int s, String attention) {
        t.put(p + attention + "_ln.weight", shape(s));
        t.put(p + attention + "_ln.bias", shape(s));
        t.put(p + attention + ".query.weight", shape(s, s));
        t.put(p + attention + ".query.bias", shape(s));
        t.put(p + attention + ".key.weight", shape(s, s));
        t.put(p + attention + ".value.weight", shape(s, s));
        t.put(p + attention + ".value.bias", shape(s));
        t.put(p + attention + ".out.weight", shape(s, s));
        t.put(p + attention + ".out.bias", shape(s));
        if (attention.equals("attn")) {
            t.put(p + "mlp_ln.weight", shape(s));
            t.put(p + "mlp_ln.bias", shape(s));
            t.put(p + "mlp.0.weight", shape(s, 4L * s));
            t.put(p + "mlp.0.bias", shape(4L * s));
            t.put(p + "mlp.2.weight", shape(4L * s, s));
            t.put(p + "mlp.2.bias", shape(s));
        }
    }

    private static long[] shape(long... ne) {
        long[] s = {1, 1, 1, 1};
        System.arraycopy(ne, 0, s, 0, ne.length);
        return s;
    }

    /**
     * {elements per block, bytes per block} of the ggml types whisper.cpp models are stored in: F32, F16 and the
     * quantisations its quantize tool writes; null for others.
     */
    private static int[] typeSize(int type) {
        return switch (type) {
            case 0 -> new int[] {1, 4}; // F32
            case 1 -> new int[] {1, 2}; // F16
            case 2 -> new int[] {32, 18}; // Q4_0
            case 3 -> new int[] {32, 20}; // Q4_1
            case 6 -> new int[] {32, 22}; // Q5_0
            case 7 -> new int[] {32, 24}; // Q5_1
            case 8 -> new int[] {32, 34}; // Q8_0
            case 10 -> new int[] {256, 84}; // Q2_K
            case 11 -> new int[] {256, 110}; // Q3_K
            case 12 -> new int[] {256, 144}; // Q4_K
            case 13 -> new int[] {256, 176}; // Q5_K
            case 14 -> new int[] {256, 210}; // Q6_K
            default -> null;
        };
    }
}
