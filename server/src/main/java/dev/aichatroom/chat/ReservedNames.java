package dev.aichatroom.chat;

import com.ibm.icu.lang.UCharacter;
import com.ibm.icu.lang.UCharacterCategory;
import com.ibm.icu.text.Normalizer2;
import com.ibm.icu.text.SpoofChecker;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Names people may not take because they are, or look like, the assistant or the system (PROTOCOL.md §1.4,
 * {@code RESERVED_NAME}). Two names are the same here when they are after NFKC with case folding (fullwidth, styled
 * letters, case, zero-width characters), without combining marks and white space, and under the UTS #39 confusable
 * skeleton of ICU4J (Cyrillic and Greek homoglyphs, {@code l} for {@code I}): the skeleton is taken of the folded
 * name and of the name with its case kept, since some letters look alike only as capitals.
 */
public final class ReservedNames {
    /** The assistant's default names in both languages, and the system's. */
    public static final List<String> BUILT_IN = List.of("智能助手", "Assistant", "AI Assistant", "system", "系统");

    private static final Normalizer2 NFKC = Normalizer2.getNFKCInstance();
    private static final Normalizer2 FOLD = Normalizer2.getNFKCCasefoldInstance();
    private static final Normalizer2 NFD = Normalizer2.getNFDInstance();
    /** Thread-safe once built (ICU: "SpoofChecker is thread safe"). */
    private static final SpoofChecker SPOOF = new SpoofChecker.Builder().build();

    private final List<String> names;
    /** Each reserved name's comparison forms, computed once. */
    private final Map<String, String> nameByKey = new HashMap<>();

    private ReservedNames(Collection<String> names) {
        this.names = List.copyOf(new LinkedHashSet<>(names));
        for (String n : this.names) {
            keys(n).forEach(k -> nameByKey.putIfAbsent(k, n));
        }
    }

    public List<String> names() {
        return names;
    }

    /** The built-in names and the assistant's configured display name ({@code AI_NAME}). */
    public static ReservedNames withAssistant(String assistantName) {
        Set<String> all = new LinkedHashSet<>(BUILT_IN);
        if (!assistantName.isBlank()) {
            all.add(assistantName.strip());
        }
        return new ReservedNames(all);
    }

    /** The reserved name that {@code name} is or looks like. */
    public Optional<String> lookalikeOf(String name) {
        Optional<String> known = seen.get(name);
        if (known != null) {
            return known;
        }
        Optional<String> found =
                keys(name).stream().map(nameByKey::get).filter(Objects::nonNull).findFirst();
        if (seen.size() >= SEEN_MAX) {
            seen.clear(); // bounded: a client that makes up a new name per message only finds the cache empty
        }
        seen.put(name, found);
        return found;
    }

    /** How many names' answers are kept: the folding and skeletons cost more than the rest of an input's checks. */
    static final int SEEN_MAX = 4_096;

    /** Names asked about lately (every input that names a user is asked about, on broker threads and the worker). */
    private final Map<String, Optional<String>> seen = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The forms a name is compared in: the skeleton of the folded name, and the skeleton of the folded skeleton of the
     * name with its case kept.
     */
    static Set<String> keys(String name) {
        String folded = skeleton(FOLD.normalize(name));
        // capitals first: Cyrillic Т and М look like T and M, their small forms like nothing Latin
        String capitals = skeleton(FOLD.normalize(skeleton(NFKC.normalize(name))));
        return folded.equals(capitals) ? Set.of(folded) : Set.of(folded, capitals);
    }

    private static String skeleton(String s) {
        return SPOOF.getSkeleton(bare(s));
    }

    /** Without combining marks, format characters (zero-width and the like) and white space. */
    private static String bare(String s) {
        StringBuilder out = new StringBuilder(s.length());
        NFD.normalize(s).codePoints().filter(ReservedNames::shows).forEach(out::appendCodePoint);
        return out.toString();
    }

    private static boolean shows(int c) {
        int type = UCharacter.getType(c);
        return type != UCharacterCategory.NON_SPACING_MARK
                && type != UCharacterCategory.ENCLOSING_MARK
                && type != UCharacterCategory.FORMAT
                && !UCharacter.isUWhiteSpace(c)
                && !Character.isWhitespace(c);
    }
}
