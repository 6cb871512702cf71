package dev.aichatroom.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MarkerTest {
    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void reads_the_marker_from_the_chat_services_output() {
        Marker m = new Marker(123_456_789_012L, 3, 1, 42);
        String out = "{\"type\":\"user_message\",\"username\":\"bench-1\",\"content\":\"" + m.text()
                + "\",\"timestamp\":\"2025-07-26T11:05:13.675321+08:00\",\"message_id\":\"0190f5a4\","
                + "\"room\":\"main\",\"client_id\":\"bench-pub-1\",\"source\":\"mqtt\"}";

        assertThat(Marker.find(bytes(out))).contains(m);
    }

    @Test
    void reads_the_marker_from_the_raw_payload() {
        Marker m = new Marker(-5, 0, 0, 0);
        byte[] raw = m.chatInput("c", "u");

        assertThat(new String(raw, StandardCharsets.UTF_8))
                .isEqualTo("{\"client_id\":\"c\",\"username\":\"u\",\"message\":\"t=-5;r=0;p=0;s=0\"}");
        assertThat(Marker.find(raw)).contains(m);
    }

    @Test
    void ignores_messages_without_a_complete_marker() {
        assertThat(Marker.find(bytes("{\"content\":\"hello\"}"))).isEmpty();
        assertThat(Marker.find(bytes("{\"content\":\"t=12;r=1;p=2\"}"))).isEmpty();
        assertThat(Marker.find(bytes("{\"content\":\"t=;r=1;p=2;s=3\"}"))).isEmpty();
        assertThat(Marker.find(bytes("{\"content\":\"t=1;r=1;p=2;s=x\"}"))).isEmpty();
        assertThat(Marker.find(new byte[0])).isEmpty();
    }
}
