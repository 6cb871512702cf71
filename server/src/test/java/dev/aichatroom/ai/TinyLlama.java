package dev.aichatroom.ai;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Writes a tiny random-weight Llama model in the layout jlama loads offline: {@code <dir>/<owner>_<name>/} with
 * {@code config.json}, a byte-fallback {@code tokenizer.json}, {@code tokenizer_config.json} (chat template),
 * {@code model.safetensors} (F32) and the {@code .finished} marker. Its output is noise, but it goes through the real
 * tokenizer, prompt template, weight loading and generation.
 */
final class TinyLlama {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int HIDDEN = 64;
    static final int INTERMEDIATE = 128;
    static final int HEADS = 4;
    static final int KV_HEADS = 2;
    static final int LAYERS = 2;
    static final int CONTEXT = 1024;
    static final String TEMPLATE = "{% for message in messages %}<|{{ message['role'] }}|>{{ message['content'] }}\n"
            + "{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}";

    private TinyLlama() {}

    /** Writes the model as {@code owner/name} under {@code modelDir}; returns its folder. */
    static Path write(Path modelDir, String owner, String name) throws IOException {
        Path dir = modelDir.resolve(owner + "_" + name);
        Files.createDirectories(dir);
        Map<String, Long> vocab = new LinkedHashMap<>();
        vocab.put("<unk>", 0L);
        vocab.put("<s>", 1L);
        vocab.put("</s>", 2L);
        for (int b = 0; b < 256; b++) {
            vocab.put(String.format("<0x%02X>", b), (long) vocab.size());
        }
        for (char c = ' '; c <= '~'; c++) {
            vocab.put(c == ' ' ? "▁" : String.valueOf(c), (long) vocab.size());
        }
        int vocabSize = vocab.size();
        writeJson(dir.resolve("config.json"), config(vocabSize));
        writeJson(dir.resolve("tokenizer.json"), tokenizer(vocab));
        ObjectNode tokenizerConfig = JSON.createObjectNode()
                .put("chat_template", TEMPLATE)
                .put("bos_token", "<s>")
                .put("eos_token", "</s>")
                .put("legacy", false);
        writeJson(dir.resolve("tokenizer_config.json"), tokenizerConfig);
        writeWeights(dir.resolve("model.safetensors"), vocabSize);
        Files.createFile(dir.resolve(".finished"));
        return dir;
    }

    private static ObjectNode config(int vocabSize) {
        ObjectNode c = JSON.createObjectNode();
        c.put("model_type", "llama");
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("max_position_embeddings", CONTEXT);
        c.put("hidden_size", HIDDEN);
        c.put("intermediate_size", INTERMEDIATE);
        c.put("num_attention_heads", HEADS);
        c.put("num_key_value_heads", KV_HEADS);
        c.put("num_hidden_layers", LAYERS);
        c.put("rms_norm_eps", 1e-5);
        c.put("vocab_size", vocabSize);
        c.put("bos_token_id", 1);
        // outside the vocabulary: random weights never end a reply early, so every test sees the tokens it asked for
        c.put("eos_token_id", vocabSize);
        c.put("hidden_act", "silu");
        c.put("rope_theta", 10000.0);
        c.put("tie_word_embeddings", false);
        c.put("torch_dtype", "float32");
        return c;
    }

    private static ObjectNode tokenizer(Map<String, Long> vocab) {
        ObjectNode t = JSON.createObjectNode();
        t.put("version", "1.0");
        var added = t.putArray("added_tokens");
        for (String special : List.of("<unk>", "<s>", "</s>")) {
            added.addObject()
                    .put("id", vocab.get(special).intValue())
                    .put("content", special)
                    .put("special", true);
        }
        ObjectNode model = t.putObject("model");
        model.put("type", "BPE");
        model.put("unk_token", "<unk>");
        model.put("fuse_unk", true);
        model.put("byte_fallback", true);
        ObjectNode v = model.putObject("vocab");
        vocab.forEach(v::put);
        model.putArray("merges");
        return t;
    }

    private static void writeWeights(Path file, int vocabSize) throws IOException {
        int kv = HIDDEN / HEADS * KV_HEADS;
        Map<String, int[]> shapes = new LinkedHashMap<>();
        shapes.put("model.embed_tokens.weight", new int[] {vocabSize, HIDDEN});
        for (int i = 0; i < LAYERS; i++) {
            String p = "model.layers." + i + ".";
            shapes.put(p + "self_attn.q_proj.weight", new int[] {HIDDEN, HIDDEN});
            shapes.put(p + "self_attn.k_proj.weight", new int[] {kv, HIDDEN});
            shapes.put(p + "self_attn.v_proj.weight", new int[] {kv, HIDDEN});
            shapes.put(p + "self_attn.o_proj.weight", new int[] {HIDDEN, HIDDEN});
            shapes.put(p + "mlp.gate_proj.weight", new int[] {INTERMEDIATE, HIDDEN});
            shapes.put(p + "mlp.up_proj.weight", new int[] {INTERMEDIATE, HIDDEN});
            shapes.put(p + "mlp.down_proj.weight", new int[] {HIDDEN, INTERMEDIATE});
            shapes.put(p + "input_layernorm.weight", new int[] {HIDDEN});
            shapes.put(p + "post_attention_layernorm.weight", new int[] {HIDDEN});
        }
        shapes.put("model.norm.weight", new int[] {HIDDEN});
        shapes.put("lm_head.weight", new int[] {vocabSize, HIDDEN});

        ObjectNode header = JSON.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (var e : shapes.entrySet()) {
            long bytes = 4L * count(e.getValue());
            ObjectNode info = header.putObject(e.getKey());
            info.put("dtype", "F32");
            var shape = info.putArray("shape");
            for (int d : e.getValue()) {
                shape.add(d);
            }
            info.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] headerBytes = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (headerBytes.length + 7) / 8 * 8;
        Random random = new Random(42);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(padded)
                    .array());
            out.write(headerBytes);
            out.write(" ".repeat(padded - headerBytes.length).getBytes(StandardCharsets.US_ASCII));
            for (var e : shapes.entrySet()) {
                int n = count(e.getValue());
                boolean norm = e.getKey().endsWith("norm.weight");
                ByteBuffer data = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < n; i++) {
                    data.putFloat(norm ? 1.0f : (float) (random.nextGaussian() * 0.2));
                }
                out.write(data.array());
            }
        }
    }

    private static int count(int[] shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    private static void writeJson(Path file, Object value) throws IOException {
        Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(value));
    }
}
