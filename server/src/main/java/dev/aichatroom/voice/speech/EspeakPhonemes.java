package dev.aichatroom.voice.speech;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Text → IPA phonemes with espeak-ng ({@code espeak-ng -q --ipa}), as Piper's voices were trained on: one line per
 * clause comes back, and each gets its clause's punctuation again ({@code ,} {@code .} {@code ?} {@code !}), which
 * Piper voices have phonemes for. Language switches espeak-ng marks ({@code (en)}) are dropped. Text goes on standard
 * input, never on the command line.
 */
final class EspeakPhonemes {
    private static final long TIMEOUT_SECONDS = 10;
    private static final Pattern CLAUSE_END = Pattern.compile("[,.;:!?]+(?=\\s|$)|[，。；：！？、]+");
    private static final Pattern LANGUAGE_SWITCH = Pattern.compile("\\([a-z]{2,3}(-[a-z0-9]+)?\\)");

    private EspeakPhonemes() {}

    /**
     * The IPA for {@code text} in {@code voice}; Chinese text in a Mandarin voice goes through {@link Mandarin} (SSML,
     * English words in {@code en-us}), as espeak-ng's complete {@code cmn} voice reads it.
     */
    static String of(String text, String voice) {
        Mandarin.Input input = Mandarin.Input.of(text, voice, "en-us");
        String ipa = raw(input);
        return input.ssml() ? Mandarin.withPunctuation(ipa, text) : withPunctuation(ipa, text);
    }

    /** espeak-ng's output as it is: one line of IPA per clause. */
    static String raw(String text, String voice) {
        return raw(new Mandarin.Input(voice, false, text));
    }

    /** espeak-ng's output for this input as it is: one line of IPA per clause (and per change of voice). */
    static String raw(Mandarin.Input input) {
        String voice = input.voice();
        String text = input.text();
        String exe = EspeakTextToSpeech.executable()
                .orElseThrow(() -> new SpeechException("Piper voices need espeak-ng: apt-get install espeak-ng"))
                .toString();
        List<String> command = new ArrayList<>(List.of(exe, "-q", "--ipa"));
        command.addAll(input.arguments());
        byte[] ipa = EspeakTextToSpeech.run(command, text.replace('\n', ' '), voice, "phonemize", TIMEOUT_SECONDS);
        return new String(ipa, StandardCharsets.UTF_8);
    }

    /** espeak-ng's clause lines joined as Piper joins them: each with its clause's punctuation, then a space. */
    static String withPunctuation(String ipa, String text) {
        List<String> lines = new ArrayList<>();
        for (String line : ipa.split("\n")) {
            String l = LANGUAGE_SWITCH.matcher(line).replaceAll("").strip();
            if (!l.isEmpty()) {
                lines.add(l);
            }
        }
        List<String> ends = new ArrayList<>();
        Matcher m = CLAUSE_END.matcher(text.strip());
        while (m.find()) {
            ends.add(ascii(m.group().charAt(0)));
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            if (i > 0) {
                out.append(' ');
            }
            out.append(lines.get(i));
            boolean aligned = lines.size() == ends.size() || lines.size() == ends.size() + 1;
            if (aligned && i < ends.size()) {
                out.append(ends.get(i));
            }
        }
        return out.toString();
    }

    static String ascii(char c) {
        return switch (c) {
            case '，', '、' -> ",";
            case '。' -> ".";
            case '；' -> ";";
            case '：' -> ":";
            case '！' -> "!";
            case '？' -> "?";
            default -> String.valueOf(c);
        };
    }

    /**
     * Whether espeak-ng phonemizes Chinese as Mandarin here ({@link Mandarin#voice()}): builds whose {@code cmn} voice
     * lacks the extended Mandarin list read most characters as pinyin spelled in English ({@code (en)nɪ5θɹˈiː5} for
     * 你), but their {@code cmn-latn-pinyin} voice reads the same pinyin as Mandarin.
     */
    static boolean speaksChinese() {
        return Mandarin.voice().isPresent();
    }
}
