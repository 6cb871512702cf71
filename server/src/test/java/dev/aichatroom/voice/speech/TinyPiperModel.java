package dev.aichatroom.voice.speech;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Piper-shaped voice the test writes: an ONNX model (protobuf written here field by field) with Piper's inputs —
 * {@code input} (phoneme ids, int64 [1, n]), {@code input_lengths} (int64 [1]) and {@code scales} (float [3]) — and one
 * output {@code output} = sin(0.7 · tile(float(input), {@code repeats})): {@code repeats} samples per phoneme id, so
 * the audio's length tells how many ids went in, and its samples which. With it a {@code .onnx.json} in Piper's format
 * whose {@code phoneme_id_map} knows English IPA.
 */
final class TinyPiperModel {
    /** The IPA the config knows (ids 20 on); espeak-ng's English output for the test's sentences uses only these. */
    static final String PHONEMES = "abdefhijklmnoprstuvwzæçðŋɐɑɒɔəɚɛɜɡɪɬɹɾʃʊʌʒʔˈˌːθᵻ";

    private TinyPiperModel() {}

    /** Writes {@code NAME.onnx} and {@code NAME.onnx.json} into {@code dir}; returns the model. */
    static Path write(Path dir, String name, int repeats, int sampleRate, String espeakVoice) throws IOException {
        Path model = dir.resolve(name + ".onnx");
        Files.write(model, model(repeats));
        Files.writeString(model.resolveSibling(name + ".onnx.json"), config(sampleRate, espeakVoice));
        return model;
    }

    static String config(int sampleRate, String espeakVoice) {
        StringBuilder map =
                new StringBuilder("\"_\":[0],\"^\":[1],\"$\":[2],\" \":[3],\".\":[4],\",\":[5],\"?\":[6],\"!\":[7]");
        int id = 20;
        for (int c : PHONEMES.codePoints().toArray()) {
            map.append(",\"")
                    .append(Character.toString(c))
                    .append("\":[")
                    .append(id++)
                    .append(']');
        }
        return "{\"audio\":{\"sample_rate\":" + sampleRate + ",\"quality\":\"test\"},\"espeak\":{\"voice\":\""
                + espeakVoice + "\"},\"inference\":{\"noise_scale\":0.667,\"length_scale\":1,\"noise_w\":0.8},"
                + "\"phoneme_type\":\"espeak\",\"num_speakers\":1,\"phoneme_id_map\":{" + map + "}}";
    }

    static byte[] model(int repeats) {
        byte[] graph = cat(
                node("Cast", new String[] {"input"}, "x", attributeInt("to", 1)),
                node("Tile", new String[] {"x", "repeats"}, "tiled", new byte[0]),
                node("Mul", new String[] {"tiled", "k"}, "scaled", new byte[0]),
                node("Sin", new String[] {"scaled"}, "output", new byte[0]),
                string(2, "tiny-piper"),
                message(5, int64Tensor("repeats", new long[] {1, repeats})),
                message(5, floatScalar("k", 0.7f)),
                message(11, valueInfo("input", 7, new Object[] {1L, "n"})),
                message(11, valueInfo("input_lengths", 7, new Object[] {1L})),
                message(11, valueInfo("scales", 1, new Object[] {3L})),
                message(12, valueInfo("output", 1, new Object[] {1L, "t"})));
        return cat(
                varintField(1, 7), // ir_version
                string(2, "aichatroom-test"),
                message(7, graph),
                message(8, cat(string(1, ""), varintField(2, 13)))); // opset 13
    }

    private static byte[] node(String op, String[] inputs, String output, byte[] attribute) {
        ByteArrayOutputStream n = new ByteArrayOutputStream();
        for (String i : inputs) {
            n.writeBytes(string(1, i));
        }
        n.writeBytes(string(2, output));
        n.writeBytes(string(3, op + "_" + output));
        n.writeBytes(string(4, op));
        if (attribute.length > 0) {
            n.writeBytes(message(5, attribute));
        }
        return message(1, n.toByteArray());
    }

    private static byte[] attributeInt(String name, long value) {
        return cat(string(1, name), varintField(3, value), varintField(20, 2)); // type INT
    }

    private static byte[] int64Tensor(String name, long[] values) {
        ByteArrayOutputStream packed = new ByteArrayOutputStream();
        for (long v : values) {
            packed.writeBytes(varint(v));
        }
        return cat(varintField(1, values.length), varintField(2, 7), message(7, packed.toByteArray()), string(8, name));
    }

    private static byte[] floatScalar(String name, float value) {
        byte[] f = ByteBuffer.allocate(4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putFloat(value)
                .array();
        return cat(varintField(2, 1), message(4, f), string(8, name));
    }

    /** A tensor type with dims: a Long is a fixed size, a String a named (dynamic) one. */
    private static byte[] valueInfo(String name, int elemType, Object[] dims) {
        ByteArrayOutputStream shape = new ByteArrayOutputStream();
        for (Object d : dims) {
            shape.writeBytes(message(1, d instanceof Long l ? varintField(1, l) : string(2, (String) d)));
        }
        byte[] tensor = cat(varintField(1, elemType), message(2, shape.toByteArray()));
        return cat(string(1, name), message(2, message(1, tensor)));
    }

    private static byte[] string(int field, String s) {
        return message(field, s.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] message(int field, byte[] body) {
        return cat(varint((long) field << 3 | 2), varint(body.length), body);
    }

    private static byte[] varintField(int field, long value) {
        return cat(varint((long) field << 3), varint(value));
    }

    private static byte[] varint(long v) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while ((v & ~0x7FL) != 0) {
            out.write((int) (v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
        return out.toByteArray();
    }

    private static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
