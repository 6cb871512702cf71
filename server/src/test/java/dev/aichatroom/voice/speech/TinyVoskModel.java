package dev.aichatroom.voice.speech;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Writes a tiny Vosk model that hears one thing, sound around 1 kHz, in the layout Vosk 0.3.45 reads ({@code am/},
 * {@code conf/}, {@code graph/}; no i-vector extractor, rescoring LM or word-boundary file, all optional).
 *
 * <p>Features: 23 MFCCs from 23 mel bins with no liftering, energy or dither ({@code conf/mfcc.conf}), so the MFCCs
 * are an orthonormal DCT of the log mel energies and a linear layer can undo it. Acoustic model ({@code am/final.mdl},
 * in Kaldi's text form, which Kaldi reads when the file lacks the {@code \0B} binary header): a transition model with
 * two phones of one state each, silence (phone 1, pdf 0) and voice (phone 2, pdf 1), and an nnet3 of one affine layer
 * whose output is pdf 0: 0, pdf 1: the mean log energy of mel bins {@value #LOW_BIN} and {@value #HIGH_BIN} (789–1333
 * Hz, peaks at 952 and 1133 Hz) minus {@value #THRESHOLD}. A frame with enough energy there is voice: vowels of
 * synthetic speech and a 1 kHz tone are; digital silence and tones at 333 Hz or 3 kHz are not.
 *
 * <p>Graphs (OpenFst vector FSTs, input transition-ids, output words; transition-id 1 is silence's self-loop, 3 is
 * voice's): {@link #withStaticGraph} writes {@code graph/HCLG.fst}, the layout of Vosk's big models, where silence
 * loops word-less and the first voice frame emits {@value #HELLO}. {@link #withRuntimeGraph} writes
 * {@code graph/HCLr.fst}, {@code graph/Gr.fst} and {@code graph/disambig_tid.int}, the layout of the small models that
 * Vosk composes at run time and so can limit to a phrase list: HCLr maps each run of voice to any word of the
 * vocabulary ({@value #HELLO}, {@value #GOODBYE}), Gr prefers {@value #HELLO}.
 */
final class TinyVoskModel {
    static final String HELLO = "hello";
    static final String GOODBYE = "goodbye";

    static final int LOW_BIN = 7;
    static final int HIGH_BIN = 8;
    /**
     * Natural log of the mel bins' energy (16-bit sample scale) above which a frame is voice. Measured with this
     * model: espeak-ng's "hello" still decodes with 23, a 1 kHz tone at -12 dBFS with 25; that tone at 333 Hz or 3 kHz
     * decodes to nothing from 17 on (below, what leaks into the bins counts).
     */
    static final double THRESHOLD = 20;

    private static final int DIM = 23;
    private static final int SILENCE_PHONE = 1;
    private static final int VOICE_PHONE = 2;
    private static final int SILENCE = 1;
    private static final int VOICE = 3;
    /** Graph cost of starting a word, so that one loud frame makes none. */
    private static final float WORD_COST = 2;

    private TinyVoskModel() {}

    /** The model with a precompiled graph ({@code graph/HCLG.fst}) that knows only {@value #HELLO}. */
    static Path withStaticGraph(Path dir) throws IOException {
        common(dir);
        OpenFst hclg = new OpenFst(3)
                .arc(0, SILENCE, 0, 0, 0)
                .arc(0, VOICE, 1, WORD_COST, 1)
                .arc(1, VOICE, 0, 0, 1)
                .arc(1, SILENCE, 0, 0, 2)
                .arc(2, SILENCE, 0, 0, 2)
                .arc(2, VOICE, 0, 0, 1); // voice after a pause: the same word, longer
        Files.write(
                dir.resolve("graph/HCLG.fst"),
                hclg.finalState(0).finalState(1).finalState(2).bytes());
        return dir;
    }

    /** The model with a graph Vosk composes at run time (HCLr ∘ Gr) and can therefore limit to phrases. */
    static Path withRuntimeGraph(Path dir) throws IOException {
        common(dir);
        // arcs in olabel order (HCLr) and ilabel order (Gr): the composition's matchers need them sorted
        OpenFst hcl =
                new OpenFst(3).arc(0, SILENCE, 0, 0, 0).arc(0, VOICE, 1, 0, 1).arc(0, VOICE, 2, 0, 2);
        for (int word = 1; word <= 2; word++) {
            hcl.arc(word, VOICE, 0, 0, word).arc(word, SILENCE, 0, 0, 0).finalState(word);
        }
        Files.write(dir.resolve("graph/HCLr.fst"), hcl.finalState(0).bytes());
        OpenFst g = new OpenFst(1).arc(0, 1, 1, WORD_COST, 0).arc(0, 2, 2, WORD_COST + 3, 0);
        Files.write(dir.resolve("graph/Gr.fst"), g.finalState(0).bytes());
        Files.writeString(dir.resolve("graph/disambig_tid.int"), ""); // no disambiguation symbols
        return dir;
    }

    private static void common(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("am"));
        Files.createDirectories(dir.resolve("conf"));
        Files.createDirectories(dir.resolve("graph"));
        Files.writeString(dir.resolve("am/final.mdl"), transitionModel() + nnet());
        Files.writeString(dir.resolve("conf/mfcc.conf"), """
                --sample-frequency=16000
                --num-mel-bins=%d
                --num-ceps=%d
                --cepstral-lifter=0
                --use-energy=false
                --dither=0
                """.formatted(DIM, DIM));
        Files.writeString(dir.resolve("conf/model.conf"), """
                --min-active=20
                --max-active=200
                --beam=10.0
                --lattice-beam=4.0
                --acoustic-scale=1.0
                --frame-subsampling-factor=1
                --endpoint.silence-phones=%d
                """.formatted(SILENCE_PHONE));
        Files.writeString(dir.resolve("graph/words.txt"), "<eps> 0\n" + HELLO + " 1\n" + GOODBYE + " 2\n");
    }

    /**
     * One topology for both phones (an emitting state with a self-loop, then the final state), the (phone, state,
     * pdf) triples, which number the transition-ids (self-loop, then exit, per triple), and their log-probs.
     */
    private static String transitionModel() {
        return """
                <TransitionModel>
                <Topology>
                <TopologyEntry>
                <ForPhones>
                %d %d
                </ForPhones>
                <State> 0 <PdfClass> 0 <Transition> 0 0.5 <Transition> 1 0.5 </State>
                <State> 1 </State>
                </TopologyEntry>
                </Topology>
                <Triples> 2
                %d 0 0
                %d 0 1
                </Triples>
                <LogProbs>
                 [ 0 -0.6931472 -0.6931472 -0.6931472 -0.6931472 ]
                </LogProbs>
                </TransitionModel>
                """.formatted(SILENCE_PHONE, VOICE_PHONE, SILENCE_PHONE, VOICE_PHONE);
    }

    /** Config lines, the one component, no context, no priors. */
    private static String nnet() {
        StringBuilder linear = new StringBuilder(" [\n");
        for (int pdf = 0; pdf < 2; pdf++) {
            for (int k = 0; k < DIM; k++) {
                double w = pdf == 0 ? 0 : (dct(k, LOW_BIN) + dct(k, HIGH_BIN)) / 2;
                linear.append(String.format(Locale.ROOT, " %.7f", w));
            }
            linear.append(pdf == 0 ? "\n" : " ]\n");
        }
        // "<Nnet3> " then a newline: Kaldi eats the space after a token, then expects the rest of the line empty
        return "<Nnet3> \n"
                + "input-node name=input dim=" + DIM + "\n"
                + "component-node name=affine component=affine input=input\n"
                + "output-node name=output input=affine objective=linear\n"
                + "\n"
                + "<NumComponents> 1\n"
                + "<ComponentName> affine <AffineComponent> <LearningRate> 0 <LinearParams>" + linear
                + String.format(Locale.ROOT, "<BiasParams> [ 0 %.3f ]\n", -THRESHOLD)
                + "<IsGradient> F </AffineComponent>\n"
                + "</Nnet3>\n"
                + "<LeftContext> 0 <RightContext> 0 <Priors> [ ]\n";
    }

    /** Kaldi's orthonormal DCT-II (row k, column j), which makes MFCCs from log mel energies; its transpose undoes it. */
    private static double dct(int k, int j) {
        return Math.sqrt((k == 0 ? 1.0 : 2.0) / DIM) * Math.cos(Math.PI / DIM * (j + 0.5) * k);
    }
}
