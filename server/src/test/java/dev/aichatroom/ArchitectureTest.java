package dev.aichatroom;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Keeps the dependency rules of ARCHITECTURE.md: arrows point inward, to chat; the core imports no feature. */
class ArchitectureTest {
    private static final Path SOURCES = Path.of("src/main/java/dev/aichatroom");
    private static final Pattern IMPORT =
            Pattern.compile("^import (?:static )?dev\\.aichatroom\\.(\\w+)\\.", Pattern.MULTILINE);

    /** package → the product packages it may import. */
    private static final Map<String, Set<String>> ALLOWED = Map.of(
            "mqtt", Set.of(),
            "store", Set.of(),
            "tls", Set.of(),
            "broker", Set.of("mqtt", "tls"),
            "chat", Set.of("mqtt", "store"),
            "web", Set.of("chat", "mqtt", "store", "broker", "tls"), // the HTTP API issues broker tokens
            "ai", Set.of("chat", "mqtt", "web"),
            "mcp", Set.of("chat", "mqtt", "ai"),
            "voice", Set.of("chat", "mqtt", "ai", "mcp", "web"),
            "config", Set.of("broker", "chat", "store", "web", "mqtt", "ai", "mcp", "voice", "tls"));

    @Test
    void packages_import_only_what_the_architecture_allows() throws IOException {
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Path rel = SOURCES.relativize(file);
                if (rel.getNameCount() < 2) {
                    continue; // Main and Application see everything
                }
                String pkg = rel.getName(0).toString();
                Set<String> allowed = ALLOWED.getOrDefault(pkg, Set.of());
                Matcher m = IMPORT.matcher(Files.readString(file));
                while (m.find()) {
                    String target = m.group(1);
                    if (!target.equals(pkg) && !allowed.contains(target)) {
                        violations.add(rel + " imports dev.aichatroom." + target);
                    }
                }
            }
        }
        assertThat(violations).isEmpty();
    }

    /** The broker plugins a standalone Artemis loads from their own jar use nothing else of the product. */
    @Test
    void the_artemis_plugins_import_nothing_else_of_the_product() throws IOException {
        List<String> violations = new ArrayList<>();
        // imported or written out in full: only the plugins' own package
        Pattern anyProduct = Pattern.compile("(dev\\.aichatroom\\.(?!broker\\.artemis\\b)[\\w.]+)");
        try (Stream<Path> files = Files.walk(SOURCES.resolve("broker/artemis"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher m = anyProduct.matcher(Files.readString(file));
                while (m.find()) {
                    violations.add(file.getFileName() + " uses " + m.group(1));
                }
            }
        }
        assertThat(violations).isEmpty();
    }
}
