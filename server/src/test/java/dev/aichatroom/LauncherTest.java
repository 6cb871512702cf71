package dev.aichatroom;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code bin/ai-chatroom} hands the JVM (docs/decisions/0024): run against a stand-in {@code java} that prints its
 * arguments, in a JDK directory whose {@code release} file says which version it is.
 */
@Timeout(60)
class LauncherTest {
    private static final Path LAUNCHER = Path.of("../bin/ai-chatroom");

    @TempDir
    Path dir;

    @Test
    void jdk_25_gets_the_serial_collector_with_a_small_young_generation_and_the_ahead_of_time_cache_next_to_the_jar()
            throws Exception {
        Path jar = jar(true);
        List<String> args = launch("25.0.1", jar, Map.of(), "--x");

        assertThat(args)
                .containsExactly(
                        "-XX:+UseSerialGC",
                        "-Xmn32m",
                        "-XX:AOTCache=" + dir.resolve("app/ai chatroom.aot"),
                        "-jar",
                        jar.toString(),
                        "--x");
    }

    @Test
    void no_provider_adds_the_incubating_vector_module_the_local_model_has_a_jvm_of_its_own() throws Exception {
        Path jar = jar(true);
        Files.writeString(dir.resolve(".env"), "AI_PROVIDER=local\n");
        for (Map<String, String> env :
                List.of(Map.<String, String>of(), Map.of("AI_PROVIDER", "local"), Map.of("AI_PROVIDER", "qwen"))) {
            assertThat(launch("25.0.1", jar, env))
                    .as("%s", env)
                    .noneMatch(a -> a.contains("jdk.incubator.vector") || a.contains("--add-modules"))
                    .contains("-XX:AOTCache=" + dir.resolve("app/ai chatroom.aot"));
        }
    }

    @Test
    void jdk_25_without_a_cache_starts_without_one() throws Exception {
        Path jar = jar(false);
        assertThat(launch("25", jar, Map.of())).noneMatch(a -> a.contains("AOT") || a.contains("Shared"));
    }

    @Test
    void jdk_21_writes_and_maps_a_class_data_archive_next_to_the_jar() throws Exception {
        Path jar = jar(true);
        assertThat(launch("21.0.5", jar, Map.of()))
                .contains(
                        "-XX:+UseSerialGC",
                        "-Xmn32m",
                        "-XX:SharedArchiveFile=" + dir.resolve("app/ai chatroom.jsa"),
                        "-XX:+AutoCreateSharedArchive")
                .noneMatch(a -> a.contains("AOTCache"));
    }

    @Test
    void a_collector_in_java_opts_replaces_the_serial_one_and_the_options_come_before_the_jar() throws Exception {
        Path jar = jar(true);
        List<String> args = launch("25", jar, Map.of("JAVA_OPTS", "-XX:+UseG1GC -Xmx300m"));

        assertThat(args).doesNotContain("-XX:+UseSerialGC", "-Xmn32m");
        assertThat(args.subList(args.indexOf("-XX:+UseG1GC"), args.size()))
                .startsWith("-XX:+UseG1GC", "-Xmx300m", "-jar");
    }

    @Test
    void a_cache_option_in_java_opts_replaces_the_launchers() throws Exception {
        Path jar = jar(true);
        assertThat(launch("25", jar, Map.of("JAVA_OPTS", "-Xshare:off")))
                .contains("-Xshare:off")
                .noneMatch(a -> a.startsWith("-XX:AOTCache"));
    }

    @Test
    void an_older_jdk_is_refused_with_what_to_do() throws Exception {
        Path jar = jar(false);
        Path jdk = jdk("17.0.12");
        ProcessBuilder pb = new ProcessBuilder("sh", LAUNCHER.toString()).redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", jdk.toString());
        pb.environment().put("AICHATROOM_JAR", jar.toString());
        Process p = pb.start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(1);
        assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                .contains("JDK 17", "JDK 21 or newer");
    }

    /** A jar (and its cache) in a directory with a space in its name: paths stay whole. */
    private Path jar(boolean withCache) throws IOException {
        Path app = Files.createDirectories(dir.resolve("app"));
        Path jar = Files.writeString(app.resolve("ai chatroom.jar"), "");
        if (withCache) {
            Files.writeString(app.resolve("ai chatroom.aot"), "");
        }
        return jar;
    }

    /** A stand-in JDK: its java prints its arguments, one a line. */
    private Path jdk(String version) throws IOException {
        Path jdk = dir.resolve("jdk-" + version);
        Files.createDirectories(jdk.resolve("bin"));
        Files.writeString(jdk.resolve("release"), "IMPLEMENTOR=\"test\"\nJAVA_VERSION=\"" + version + "\"\n");
        Path java = Files.writeString(jdk.resolve("bin/java"), "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return jdk;
    }

    private List<String> launch(String version, Path jar, Map<String, String> env, String... args) throws Exception {
        Path jdk = jdk(version);

        List<String> command = new java.util.ArrayList<>(
                List.of("sh", LAUNCHER.toAbsolutePath().toString()));
        command.addAll(List.of(args));
        // in the test's directory: a .env there is the one the launcher reads
        ProcessBuilder pb =
                new ProcessBuilder(command).redirectErrorStream(true).directory(dir.toFile());
        pb.environment().remove("JAVA_OPTS");
        pb.environment().keySet().removeIf(k -> k.startsWith("AI_"));
        pb.environment().put("JAVA_HOME", jdk.toString());
        pb.environment().put("AICHATROOM_JAR", jar.toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(out).isZero();
        return out.lines().toList();
    }
}
