package dev.aichatroom.mcp;

import io.modelcontextprotocol.spec.McpSchema;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Names the model sees for the tools of several MCP servers: unique, and valid OpenAI function names
 * ({@code ^[a-zA-Z0-9_-]{1,64}$}).
 *
 * <p>A tool keeps its own name (invalid characters replaced by {@code _}) when no other offered tool has that name.
 * When several servers offer the same name, each copy is named {@code {server}__{tool}}, {@code {server}} being the
 * last level of the server's name (plus a hash of its server id when two servers share that level, e.g. two instances
 * of one server name). Names too long are cut and end in a hash of the full name. The result depends only on the set
 * of tools offered, never on the order servers came online.
 */
final class ToolNames {
    static final int MAX_LENGTH = 64;
    private static final Pattern INVALID = Pattern.compile("[^a-zA-Z0-9_-]");
    private static final Pattern VALID = Pattern.compile("^[a-zA-Z0-9_-]{1,64}$");

    /** Which tool of which server instance a name stands for. */
    record Target(String serverId, String serverName, String toolName) {}

    /** One tool of one server instance. */
    record Entry(String serverId, String serverName, McpSchema.Tool tool) {
        Target target() {
            return new Target(serverId, serverName, tool.name());
        }
    }

    /** A tool with the name the model sees; {@code qualified} when the name had to carry its server. */
    record Named(String name, Entry entry, boolean qualified) {}

    private ToolNames() {}

    static List<Named> assign(List<Entry> entries) {
        List<Entry> sorted = entries.stream()
                .sorted(Comparator.comparing(Entry::serverName)
                        .thenComparing(Entry::serverId)
                        .thenComparing(e -> e.tool().name()))
                .toList();
        Map<String, List<Entry>> byBase = new HashMap<>();
        sorted.forEach(e -> byBase.computeIfAbsent(sanitize(e.tool().name()), b -> new ArrayList<>())
                .add(e));
        List<Named> named = new ArrayList<>();
        Set<String> used = new HashSet<>();
        for (Entry e : sorted) {
            String base = sanitize(e.tool().name());
            List<Entry> same = byBase.get(base);
            String name = same.size() == 1 ? base : qualifier(e, same) + "__" + base;
            named.add(new Named(unique(fit(name), e, used), e, same.size() > 1));
        }
        return named;
    }

    static boolean isValid(String name) {
        return VALID.matcher(name).matches();
    }

    /** The tool's name with every character OpenAI does not allow replaced by {@code _}. */
    static String sanitize(String name) {
        String s = INVALID.matcher(name).replaceAll("_");
        return s.isEmpty() ? "tool" : s;
    }

    private static String qualifier(Entry e, List<Entry> same) {
        String level = lastLevel(e.serverName());
        long sharing = same.stream()
                .filter(o -> lastLevel(o.serverName()).equals(level))
                .map(Entry::serverId)
                .distinct()
                .count();
        return sharing > 1 ? level + "_" + hash(e.serverId()) : level;
    }

    private static String lastLevel(String serverName) {
        return sanitize(serverName.substring(serverName.lastIndexOf('/') + 1));
    }

    private static String fit(String name) {
        return name.length() <= MAX_LENGTH ? name : name.substring(0, MAX_LENGTH - 7) + "_" + hash(name);
    }

    /** Settles what is left (e.g. {@code a.b} and {@code a_b} on one server) in the sorted order. */
    private static String unique(String name, Entry e, Set<String> used) {
        String candidate = name;
        for (int n = 2; !used.add(candidate); n++) {
            String suffix = "_" + hash(e.serverId() + "/" + e.tool().name()) + (n > 2 ? "_" + n : "");
            candidate = name.substring(0, Math.min(name.length(), MAX_LENGTH - suffix.length())) + suffix;
        }
        return candidate;
    }

    static String hash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 3);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
