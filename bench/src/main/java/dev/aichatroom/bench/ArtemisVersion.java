package dev.aichatroom.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Properties;
import java.util.zip.ZipFile;

/** The version of the ActiveMQ Artemis a product jar holds, from its Maven metadata. */
final class ArtemisVersion {
    private static final String POM = "META-INF/maven/org.apache.artemis/artemis-server/pom.properties";

    private ArtemisVersion() {}

    static String of(Path productJar) {
        try (ZipFile zip = new ZipFile(productJar.toFile())) {
            var entry = zip.getEntry(POM);
            if (entry == null) {
                return "(version unknown)";
            }
            try (InputStream in = zip.getInputStream(entry)) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", "(version unknown)");
            }
        } catch (IOException e) {
            return "(version unknown: " + e.getMessage() + ")";
        }
    }
}
