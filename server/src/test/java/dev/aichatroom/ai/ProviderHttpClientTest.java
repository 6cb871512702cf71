package dev.aichatroom.ai;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProviderHttpClientTest {
    private static HttpHeaders headers(Map<String, String> values) {
        return HttpHeaders.of(
                values.entrySet().stream()
                        .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> List.of(e.getValue()))),
                (a, b) -> true);
    }

    @Test
    void retry_after_in_seconds_is_read() {
        assertThat(ProviderHttpClient.retryAfter(headers(Map.of("Retry-After", "3"))))
                .contains(Duration.ofSeconds(3));
    }

    @Test
    void retry_after_as_an_http_date_is_the_time_until_then() {
        String date = ZonedDateTime.now().plusSeconds(30).format(DateTimeFormatter.RFC_1123_DATE_TIME);

        assertThat(ProviderHttpClient.retryAfter(headers(Map.of("Retry-After", date))))
                .hasValueSatisfying(d -> assertThat(d).isBetween(Duration.ofSeconds(25), Duration.ofSeconds(31)));
    }

    @Test
    void retry_after_ms_wins_over_retry_after() {
        assertThat(ProviderHttpClient.retryAfter(headers(Map.of("retry-after-ms", "250", "Retry-After", "9"))))
                .contains(Duration.ofMillis(250));
    }

    @Test
    void no_or_unreadable_retry_after_means_none() {
        assertThat(ProviderHttpClient.retryAfter(headers(Map.of()))).isEmpty();
        assertThat(ProviderHttpClient.retryAfter(headers(Map.of("Retry-After", "soon"))))
                .isEmpty();
    }

    @Test
    void the_providers_error_message_is_taken_from_an_openai_style_body() {
        assertThat(ModelCall.providerMessage("{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"x\"}}"))
                .contains("Rate limit reached");
        assertThat(ModelCall.providerMessage("plain text\nbody")).contains("plain text body");
        assertThat(ModelCall.providerMessage("")).isEmpty();
    }
}
