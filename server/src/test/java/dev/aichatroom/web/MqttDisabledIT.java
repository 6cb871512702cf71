package dev.aichatroom.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aichatroom.testing.TestProduct;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code MQTT_ENABLE=false}: the HTTP side runs on its own, and {@code /health} calls that ready, not down. */
@Timeout(60)
class MqttDisabledIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void without_mqtt_the_product_is_ready_and_serves_its_http_api() throws Exception {
        try (TestProduct product = TestProduct.start(Map.of("MQTT_ENABLE", "false"))) {
            HttpResponse<String> health = product.get("/health");
            JsonNode body = JSON.readTree(health.body());
            assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
            assertThat(body.path("ready").asBoolean()).isTrue();
            assertThat(body.path("checks").path("broker").path("status").asText())
                    .isEqualTo("disabled");

            JsonNode status = JSON.readTree(product.get("/mqtt/status").body());
            assertThat(status.path("mqtt_status").path("is_connected").asBoolean())
                    .isFalse();
            assertThat(product.get("/api/rooms/main/messages").statusCode()).isEqualTo(200);
        }
    }
}
