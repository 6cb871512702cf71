package dev.aichatroom;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

/**
 * The runnable jar carries the native libraries of the platforms the product supports (Linux on x86_64) and
 * none of the others, and no model data that no engine reads (decision 0015).
 */
class ShadedJarIT {
    private static final Path JAR = Path.of("target/ai-chatroom.jar");

    @Test
    void carries_native_libraries_for_linux_only_and_no_unread_model() throws IOException {
        try (JarFile jar = new JarFile(JAR.toFile())) {
            List<String> names = jar.stream().map(ZipEntry::getName).toList();
            assertThat(names)
                    .contains(
                            "org/sqlite/native/Linux/x86_64/libsqlitejdbc.so",
                            "META-INF/native/libnetty_transport_native_epoll_x86_64.so",
                            "libwebrtc-java-linux-x86_64.so",
                            "linux-x86-64/libvosk.so",
                            "debian-amd64/libwhisper-jni.so",
                            "com/sun/jna/linux-x86-64/libjnidispatch.so");
            assertThat(names)
                    .contains(
                            "edu/cmu/sphinx/models/en-us/en-us/mdef", "edu/cmu/sphinx/models/en-us/cmudict-en-us.dict")
                    .doesNotContain("edu/cmu/sphinx/models/en-us/en-us.lm.bin");
            assertThat(names.stream().filter(ShadedJarIT::isNativeLibrary))
                    .as("native libraries")
                    .allMatch(ShadedJarIT::isForLinux);
        }
        assertThat(Files.size(JAR)).as("jar size").isLessThan(120L * 1024 * 1024);
    }

    /**
     * ICU4J's locale data is left out of the jar but what the product reads (normalisation, character properties,
     * confusable skeletons) is not: the name checks run here from the packaged jar alone, in a class loader of its own.
     */
    @Test
    void the_name_checks_run_from_the_packaged_jar_without_the_icu_data_it_leaves_out() throws Exception {
        try (JarFile jar = new JarFile(JAR.toFile())) {
            List<String> names = jar.stream().map(ZipEntry::getName).toList();
            assertThat(names).noneMatch(n -> n.startsWith("com/ibm/icu/impl/data/icudata/coll/"));
            assertThat(names).noneMatch(n -> n.startsWith("com/knuddels/jtokkit/"));
        }
        try (java.net.URLClassLoader loader = new java.net.URLClassLoader(
                new java.net.URL[] {JAR.toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
            Class<?> reserved = Class.forName("dev.aichatroom.chat.ReservedNames", true, loader);
            Object rules = reserved.getMethod("withAssistant", String.class).invoke(null, "智能助手");
            java.lang.reflect.Method lookalike = reserved.getMethod("lookalikeOf", String.class);
            // Cyrillic look-alikes (confusable skeleton), full-width letters (NFKC), case (case folding), an
            // invisible character (character properties)
            assertThat(lookalike.invoke(rules, "ЅҮЅТЕМ")).isEqualTo(java.util.Optional.of("system"));
            assertThat(lookalike.invoke(rules, "ＳＹＳＴＥＭ")).isEqualTo(java.util.Optional.of("system"));
            assertThat(lookalike.invoke(rules, "AI aSSISTANT")).isEqualTo(java.util.Optional.of("AI Assistant"));
            assertThat(lookalike.invoke(rules, "智能\u200d助手")).isEqualTo(java.util.Optional.of("智能助手"));
            assertThat(lookalike.invoke(rules, "Alice")).isEqualTo(java.util.Optional.empty());
        }
    }

    private static boolean isNativeLibrary(String name) {
        return name.endsWith(".so")
                || name.endsWith(".dll")
                || name.endsWith(".dylib")
                || name.endsWith(".jnilib")
                || name.endsWith(".a");
    }

    private static boolean isForLinux(String name) {
        String n = name.toLowerCase(java.util.Locale.ROOT);
        boolean linux = n.contains("linux") || n.startsWith("debian-") || n.startsWith("meta-inf/native/");
        boolean x86 = n.contains("x86_64") || n.contains("x86-64") || n.contains("amd64") || n.contains("-x64/");
        return linux && x86 && !n.contains("musl");
    }
}
