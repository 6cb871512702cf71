package dev.aichatroom.voice;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NativeRtcTest {
    @Test
    void says_to_install_libpulse0_when_the_native_library_misses_it() {
        UnsatisfiedLinkError missing = new UnsatisfiedLinkError(
                "/tmp/libwebrtc-java-linux-x86_64123.so: libpulse.so.0: cannot open shared object file");
        assertThat(NativeRtc.explain(missing))
                .isEqualTo("the WebRTC native library needs libpulse0: apt-get install libpulse0");
    }

    @Test
    void names_the_platform_it_needs_for_any_other_load_failure() {
        assertThat(NativeRtc.explain(new UnsatisfiedLinkError("no webrtc-java in java.library.path")))
                .contains("Linux x86_64")
                .contains("no webrtc-java in java.library.path");
    }
}
