package dev.aichatroom.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PageRoutesTest {
    @Test
    void takesTheHostOfTheHostHeader() {
        assertThat(PageRoutes.hostOnly("chat.example.com:5000")).isEqualTo("chat.example.com");
        assertThat(PageRoutes.hostOnly("chat.example.com")).isEqualTo("chat.example.com");
        assertThat(PageRoutes.hostOnly("127.0.0.1:5000")).isEqualTo("127.0.0.1");
        assertThat(PageRoutes.hostOnly("[::1]:5000")).isEqualTo("[::1]");
    }

    @Test
    void fallsBackToLocalhostForMissingOrOddHosts() {
        assertThat(PageRoutes.hostOnly(null)).isEqualTo("localhost");
        assertThat(PageRoutes.hostOnly(" ")).isEqualTo("localhost");
        assertThat(PageRoutes.hostOnly("evil\"><script>:5000")).isEqualTo("localhost");
        assertThat(PageRoutes.hostOnly("[::1<x>]:5000")).isEqualTo("localhost");
    }
}
