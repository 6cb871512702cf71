package dev.aichatroom.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every variable the product reads is in {@code .env.example}, with its default or commented out. */
class DocumentedVariablesTest {
    private static final Pattern READ = Pattern.compile("env\\.[a-z]+\\(\\s*\"([A-Z][A-Z0-9_]+)\"");

    @Test
    void every_variable_the_product_reads_is_in_the_env_example() throws IOException {
        Set<String> read = new TreeSet<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher m = READ.matcher(Files.readString(file));
                while (m.find()) {
                    read.add(m.group(1));
                }
            }
        }
        String example = Files.readString(Path.of("../.env.example"));

        assertThat(read).hasSizeGreaterThan(50);
        assertThat(read)
                .filteredOn(name -> !Pattern.compile("(?m)^(# )?" + name + "=")
                        .matcher(example)
                        .find())
                .as("variables read but not in .env.example")
                .isEmpty();
    }

    /** Also where defaults derive from other variables: the database from DATA_DIR, the provider from a key. */
    @Test
    void copying_the_env_example_to_dot_env_changes_nothing() {
        java.util.Map<String, String> environment = java.util.Map.of("DATA_DIR", "/srv/chat", "AI_API_KEY", "sk-test");
        AppConfig fromExample = ConfigLoader.load(Env.load(Path.of("../.env.example"), environment));
        AppConfig defaults = ConfigLoader.load(Env.of(environment));

        assertThat(fromExample)
                .as(".env.example says every value shown is the default")
                .usingRecursiveComparison()
                .isEqualTo(defaults);
    }
}
