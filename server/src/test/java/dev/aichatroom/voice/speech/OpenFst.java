package dev.aichatroom.voice.speech;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Writes an OpenFst {@code VectorFst<StdArc>} in OpenFst's binary form, the form Kaldi and Vosk read graphs in: the
 * header (magic 2125659606, fst type "vector", arc type "standard", version 2, flags 0, properties, start state, number
 * of states, number of arcs), then per state its final weight (float), number of arcs (int64) and the arcs (ilabel,
 * olabel as int32, weight as float, next state as int32). Little-endian, as OpenFst writes on x86. Weights are tropical
 * costs; a state without a final weight is not final. The properties say only what every VectorFst has (expanded,
 * mutable), so OpenFst computes any other it needs; matchers that need sorted arcs still get them if the caller adds
 * them in order.
 */
final class OpenFst {
    private static final int MAGIC = 2125659606;
    private static final int VERSION = 2;
    private static final long EXPANDED_MUTABLE = 0x3;

    private final float[] finals;
    private final List<List<Arc>> arcs = new ArrayList<>();

    private record Arc(int ilabel, int olabel, float cost, int next) {}

    /** An FST of {@code states} states, start state 0, none final yet. */
    OpenFst(int states) {
        finals = new float[states];
        Arrays.fill(finals, Float.POSITIVE_INFINITY);
        for (int s = 0; s < states; s++) {
            arcs.add(new ArrayList<>());
        }
    }

    OpenFst arc(int from, int ilabel, int olabel, float cost, int to) {
        arcs.get(from).add(new Arc(ilabel, olabel, cost, to));
        return this;
    }

    OpenFst finalState(int state) {
        finals[state] = 0;
        return this;
    }

    byte[] bytes() {
        int numArcs = arcs.stream().mapToInt(List::size).sum();
        ByteBuffer b =
                ByteBuffer.allocate(128 + finals.length * 12 + numArcs * 16).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC);
        string(b, "vector");
        string(b, "standard");
        b.putInt(VERSION).putInt(0).putLong(EXPANDED_MUTABLE);
        b.putLong(0).putLong(finals.length).putLong(numArcs);
        for (int s = 0; s < finals.length; s++) {
            b.putFloat(finals[s]).putLong(arcs.get(s).size());
            for (Arc a : arcs.get(s)) {
                b.putInt(a.ilabel()).putInt(a.olabel()).putFloat(a.cost()).putInt(a.next());
            }
        }
        return Arrays.copyOf(b.array(), b.position());
    }

    private static void string(ByteBuffer b, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
        b.putInt(bytes.length).put(bytes);
    }
}
