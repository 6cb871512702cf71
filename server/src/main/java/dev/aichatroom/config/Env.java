package dev.aichatroom.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Reads configuration variables: the process environment wins over an optional {@code .env} file, which wins over
 * the defaults stated where each variable is read. Typed getters fail with a {@link ConfigException} that names the
 * variable and the fix.
 */
public final class Env {
    private final Map<String, String> values;

    private Env(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    public static Env of(Map<String, String> values) {
        return new Env(values);
    }

    /** The process environment layered over {@code dotEnv} when that file exists. */
    public static Env load(Path dotEnv, Map<String, String> environment) {
        Map<String, String> merged = new HashMap<>();
        if (Files.isRegularFile(dotEnv)) {
            merged.putAll(parseDotEnv(dotEnv));
        }
        merged.putAll(environment);
        return new Env(merged);
    }

    static Map<String, String> parseDotEnv(Path file) {
        Map<String, String> result = new HashMap<>();
        try {
            int lineNo = 0;
            for (String raw : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                lineNo++;
                String line = raw.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                if (line.startsWith("export ")) {
                    line = line.substring(7).strip();
                }
                int eq = line.indexOf('=');
                if (eq <= 0) {
                    throw new ConfigException(file.toString(), "line " + lineNo + " is not KEY=value");
                }
                result.put(
                        line.substring(0, eq).strip(),
                        unquote(line.substring(eq + 1).strip()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return result;
    }

    private static String unquote(String value) {
        if (value.length() >= 2
                && (value.startsWith("\"") && value.endsWith("\"") || value.startsWith("'") && value.endsWith("'"))) {
            return value.substring(1, value.length() - 1);
        }
        int comment = value.indexOf(" #");
        return comment >= 0 ? value.substring(0, comment).strip() : value;
    }

    public Optional<String> optional(String name) {
        String value = values.get(name);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.strip());
    }

    public String string(String name, String fallback) {
        return optional(name).orElse(fallback);
    }

    public boolean bool(String name, boolean fallback) {
        return optional(name)
                .map(v -> switch (v.toLowerCase(java.util.Locale.ROOT)) {
                    case "true", "1", "yes", "on" -> true;
                    case "false", "0", "no", "off" -> false;
                    default -> throw new ConfigException(name, "'" + v + "' is not a boolean; use true or false");
                })
                .orElse(fallback);
    }

    public int integer(String name, int fallback, int min, int max) {
        return optional(name)
                .map(v -> {
                    try {
                        int parsed = Integer.parseInt(v);
                        if (parsed < min || parsed > max) {
                            throw new ConfigException(
                                    name, "'" + v + "' is out of range; use a number from " + min + " to " + max);
                        }
                        return parsed;
                    } catch (NumberFormatException e) {
                        throw new ConfigException(
                                name, "'" + v + "' is not a number; use a whole number from " + min + " to " + max);
                    }
                })
                .orElse(fallback);
    }

    public int port(String name, int fallback) {
        return integer(name, fallback, 0, 65535);
    }
}
