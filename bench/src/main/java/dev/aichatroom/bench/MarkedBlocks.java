package dev.aichatroom.bench;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Named blocks of {@code docs/benchmarks.md}: the text between {@code <!-- NAME:begin -->} and {@code <!-- NAME:end
 * -->}. Several parts of the bench (and other tools) write their own block; a run that does not produce a block keeps
 * the one the file already holds, so {@code --only=connections} does not wipe the load tables and a fault run's table
 * survives the next load run.
 */
final class MarkedBlocks {
    private static final Pattern BLOCK = Pattern.compile("(?s)<!-- ([A-Za-z0-9_.-]+):begin -->.*?<!-- \\1:end -->");
    private static final String FALLBACK_HEADING = "## Problems seen";

    private MarkedBlocks() {}

    /** One block: its name and its text, markers included. */
    record Block(String name, String text, int start, int end) {}

    /** Wraps {@code section} in the markers of {@code name}, followed by a blank line. */
    static String wrap(String name, String section) {
        return "<!-- " + name + ":begin -->\n" + section.stripTrailing() + "\n\n<!-- " + name + ":end -->\n\n";
    }

    static List<Block> parse(String text) {
        List<Block> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            blocks.add(new Block(m.group(1), m.group(), m.start(), m.end()));
        }
        return blocks;
    }

    /**
     * The fresh document with every block of {@code previous} that it lacks. A kept block goes right after the block
     * it followed in {@code previous} when the fresh document has that one, else before the fresh document's first
     * block (or its "Problems seen" heading, or its end).
     */
    static String merge(String previous, String fresh) {
        List<Block> old = parse(previous);
        Set<String> produced = parse(fresh).stream().map(Block::name).collect(Collectors.toSet());
        String out = fresh;
        Set<String> present = new HashSet<>(produced);
        for (int i = 0; i < old.size(); i++) {
            Block kept = old.get(i);
            if (present.contains(kept.name())) {
                continue;
            }
            out = insert(out, kept, anchor(old, i, present));
            present.add(kept.name());
        }
        return out;
    }

    private static String anchor(List<Block> old, int index, Set<String> present) {
        for (int j = index - 1; j >= 0; j--) {
            if (present.contains(old.get(j).name())) {
                return old.get(j).name();
            }
        }
        return "";
    }

    private static String insert(String doc, Block kept, String anchorName) {
        List<Block> blocks = parse(doc);
        if (!anchorName.isEmpty()) {
            for (Block b : blocks) {
                if (b.name().equals(anchorName)) {
                    return doc.substring(0, b.end()) + "\n\n" + kept.text() + doc.substring(b.end());
                }
            }
        }
        int at = blocks.isEmpty()
                ? doc.indexOf(FALLBACK_HEADING)
                : blocks.getFirst().start();
        if (at < 0) {
            return doc.stripTrailing() + "\n\n" + kept.text() + "\n";
        }
        return doc.substring(0, at) + kept.text() + "\n\n" + doc.substring(at);
    }
}
