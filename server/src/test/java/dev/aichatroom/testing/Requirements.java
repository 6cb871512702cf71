package dev.aichatroom.testing;

import org.junit.jupiter.api.Assumptions;

/**
 * Tests that need something of the machine (root for a network namespace, espeak-ng, Chromium) skip without it on a
 * developer's machine; where {@code E2E_REQUIRED=true} (CI, which installs all of it) a missing requirement fails the
 * test instead, so nothing is skipped silently there.
 */
public final class Requirements {
    private static final boolean REQUIRED = "true".equals(System.getenv("E2E_REQUIRED"));

    private Requirements() {}

    public static void assume(boolean met, String need) {
        if (REQUIRED && !met) {
            throw new IllegalStateException("E2E_REQUIRED=true but this test " + need);
        }
        Assumptions.assumeTrue(met, "skipped: this test " + need);
    }
}
