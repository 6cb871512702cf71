package dev.aichatroom.voice.speech;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Mandarin with espeak-ng. Debian's espeak-ng (1.51) lacks the Mandarin dictionary's extended list, and its voice
 * {@code cmn} ("latin as English") reads the pinyin its dictionary gives for a character as English: 你 becomes
 * {@code (en)nɪ5θɹˈiː5}, "ni three". The voice {@code cmn-latn-pinyin} uses the same dictionary and the same phoneme
 * table but reads that pinyin as pinyin: 你好 becomes {@code nˈiɜ χˈɑu2}, the Mandarin phonemes (tones as digits) that
 * espeak-ng's complete {@code cmn} voice gives and that Piper's Chinese voices were trained on. As it would also read
 * English words as pinyin, text with Chinese characters goes to espeak-ng as SSML: each run of Latin words in the
 * English voice, everything else in the Mandarin one (which also reads digits as Chinese numbers).
 */
final class Mandarin {
    /** The voice that reads Chinese as Mandarin on espeak-ng builds without the extended list. */
    static final String PINYIN_VOICE = "cmn-latn-pinyin";

    private static final Pattern LATIN_RUN =
            Pattern.compile("\\p{IsLatin}[\\p{IsLatin}\\d'’-]*(?:\\s+\\p{IsLatin}[\\p{IsLatin}\\d'’-]*)*");
    private static final Pattern CLAUSE_END = Pattern.compile("[,.;:!?]+(?=\\s|$)|[，。；：！？、]+");
    private static final Pattern LANGUAGE_SWITCH = Pattern.compile("\\([a-z]{2,3}(-[a-z0-9]+)?\\)");
    private static final Pattern VOICE_NAME = Pattern.compile("[A-Za-z0-9_+-]{1,32}");

    private Mandarin() {}

    /** What espeak-ng is given: its voice ({@code -v}), whether the input is SSML ({@code -m}), and the input. */
    record Input(String voice, boolean ssml, String text) {
        Input {
            if (!VOICE_NAME.matcher(voice).matches()) {
                throw new SpeechException("not an espeak-ng voice: " + voice);
            }
        }

        /**
         * The input for {@code text} in {@code voice}: where the voice is a Mandarin one, the text has Chinese
         * characters and a voice here reads them as Mandarin ({@link #voice()}), SSML with Latin runs in {@code
         * latinVoice}; otherwise the text as it is.
         */
        static Input of(String text, String voice, String latinVoice) {
            if (isMandarin(voice) && EspeakTextToSpeech.containsChinese(text)) {
                Optional<String> mandarin = Mandarin.voice();
                if (mandarin.isPresent()) {
                    String latin = VOICE_NAME.matcher(latinVoice).matches() ? latinVoice : "en-us";
                    return new Input(mandarin.get(), true, Mandarin.ssml(text, mandarin.get(), latin));
                }
            }
            return new Input(voice, false, text);
        }

        /** espeak-ng's arguments for the voice and the input's kind. */
        List<String> arguments() {
            return ssml ? List.of("-m", "-v", voice) : List.of("-v", voice);
        }
    }

    /** Whether {@code espeakVoice} names espeak-ng's Mandarin ({@code cmn}, {@code zh}, {@code cmn-latn-pinyin}…). */
    static boolean isMandarin(String espeakVoice) {
        String v = espeakVoice.toLowerCase(Locale.ROOT);
        return v.equals("zh") || v.equals("cmn") || v.startsWith("cmn-") || v.startsWith("zh-cmn") || v.equals("zh-cn");
    }

    /**
     * The espeak-ng voice that reads Chinese characters as Mandarin here ({@link #PINYIN_VOICE}, else {@code cmn} where
     * that one is complete), found once by phonemizing 你们好: Mandarin comes back with tone digits and no switch to
     * English. Empty where neither does.
     */
    static Optional<String> voice() {
        return Detected.VOICE;
    }

    private static final class Detected {
        static final Optional<String> VOICE = detect();

        private static Optional<String> detect() {
            for (String v : List.of(PINYIN_VOICE, "cmn")) {
                try {
                    if (readsMandarin(EspeakPhonemes.raw(new Input(v, false, "你们好")))) {
                        return Optional.of(v);
                    }
                } catch (SpeechException e) {
                    // not installed, or no such voice in this espeak-ng: try the next
                }
            }
            return Optional.empty();
        }
    }

    /** Whether espeak-ng's IPA for Chinese text is Mandarin: tones as digits, no switch to another language. */
    static boolean readsMandarin(String ipa) {
        return !ipa.isBlank() && !LANGUAGE_SWITCH.matcher(ipa).find() && ipa.matches("(?s).*[1-5].*");
    }

    /** The text as SSML: each run of Latin words in {@code latinVoice}, the rest in {@code mandarinVoice}. */
    static String ssml(String text, String mandarinVoice, String latinVoice) {
        StringBuilder out = new StringBuilder("<speak>");
        Matcher run = LATIN_RUN.matcher(text);
        int at = 0;
        while (run.find()) {
            segment(out, text.substring(at, run.start()), mandarinVoice);
            segment(out, run.group(), latinVoice);
            at = run.end();
        }
        segment(out, text.substring(at), mandarinVoice);
        return out.append("</speak>").toString();
    }

    private static void segment(StringBuilder out, String text, String voice) {
        if (text.isBlank()) {
            out.append(text.isEmpty() ? "" : " ");
            return;
        }
        out.append("<voice name=\"").append(voice).append("\">");
        text.replace('\n', ' ').codePoints().forEach(c -> {
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                default -> out.appendCodePoint(c);
            }
        });
        out.append("</voice>");
    }

    /**
     * espeak-ng's lines for SSML input joined as Piper joins clauses: espeak-ng starts a line at each clause end and at
     * each change of voice, so each line gets the punctuation that ends its clause, if any. Where the lines do not pair
     * up with the text's clauses, the lines alone.
     */
    static String withPunctuation(String ipa, String text) {
        List<String> lines = new ArrayList<>();
        for (String line : ipa.split("\n")) {
            String l = LANGUAGE_SWITCH.matcher(line).replaceAll("").strip();
            if (!l.isEmpty()) {
                lines.add(l);
            }
        }
        List<String> ends = clauseEnds(text);
        boolean aligned = ends.size() == lines.size();
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            if (i > 0) {
                out.append(' ');
            }
            out.append(lines.get(i));
            if (aligned) {
                out.append(ends.get(i));
            }
        }
        return out.toString();
    }

    /** One entry per clause of the text (split at punctuation and where Latin runs begin and end): its end or "". */
    static List<String> clauseEnds(String text) {
        List<String> segments = new ArrayList<>();
        Matcher run = LATIN_RUN.matcher(text);
        int at = 0;
        while (run.find()) {
            segments.add(text.substring(at, run.start()));
            segments.add(run.group());
            at = run.end();
        }
        segments.add(text.substring(at));
        List<String> ends = new ArrayList<>();
        for (String segment : segments) {
            Matcher p = CLAUSE_END.matcher(segment);
            int from = 0;
            boolean found;
            do {
                found = p.find();
                String piece = segment.substring(from, found ? p.start() : segment.length());
                String end = found ? EspeakPhonemes.ascii(p.group().charAt(0)) : "";
                if (piece.codePoints().anyMatch(Character::isLetterOrDigit)) {
                    ends.add(end);
                } else if (found && !ends.isEmpty() && ends.getLast().isEmpty()) {
                    ends.set(ends.size() - 1, end);
                }
                if (found) {
                    from = p.end();
                }
            } while (found);
        }
        return ends;
    }
}
