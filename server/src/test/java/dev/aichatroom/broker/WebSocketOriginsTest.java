package dev.aichatroom.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class WebSocketOriginsTest {
    private final WebSocketOrigins own = WebSocketOrigins.own(5000, Optional.of("chat.example.com"));

    @Test
    void clients_without_an_origin_are_no_browsers_and_pass() {
        assertThat(own.allows(Optional.empty(), Optional.of("127.0.0.1:8083"))).isTrue();
    }

    @Test
    void the_products_own_page_passes_at_the_host_the_browser_used() {
        assertThat(own.allows(Optional.of("http://192.168.1.10:5000"), Optional.of("192.168.1.10:8083")))
                .isTrue();
        assertThat(own.allows(Optional.of("http://localhost:5000"), Optional.of("localhost:8083")))
                .isTrue();
        assertThat(own.allows(Optional.of("https://chat.example.com"), Optional.of("chat.example.com")))
                .isTrue();
    }

    @Test
    void clients_that_name_the_websocket_endpoint_itself_pass() {
        assertThat(own.allows(Optional.of("http://127.0.0.1:8083"), Optional.of("127.0.0.1:8083")))
                .isTrue();
    }

    @Test
    void other_sites_other_ports_and_opaque_origins_are_refused() {
        assertThat(own.allows(Optional.of("https://evil.example"), Optional.of("127.0.0.1:8083")))
                .isFalse();
        assertThat(own.allows(Optional.of("http://127.0.0.1:5001"), Optional.of("127.0.0.1:8083")))
                .isFalse();
        assertThat(own.allows(Optional.of("http://evil.example:5000"), Optional.of("127.0.0.1:8083")))
                .isFalse();
        assertThat(own.allows(Optional.of("null"), Optional.of("127.0.0.1:8083")))
                .isFalse();
    }

    @Test
    void a_configured_list_replaces_the_default() {
        WebSocketOrigins listed = new WebSocketOrigins(List.of("https://app.example.com/"), 5000, Optional.empty());
        assertThat(listed.allows(Optional.of("https://APP.example.com"), Optional.of("x")))
                .isTrue();
        assertThat(listed.allows(Optional.of("http://127.0.0.1:5000"), Optional.of("127.0.0.1:8083")))
                .isFalse();
    }
}
