package dev.aichatroom.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aichatroom.mqtt.Json;
import dev.aichatroom.testing.TestProduct;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code MCP_ENABLE=false}: no MCP connections, {@code /health} says so, the product is ready. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class McpDisabledIT {
    @Test
    void mcp_switched_off_shows_as_disabled_and_keeps_the_product_ready() {
        try (TestProduct product = TestProduct.start(Map.of("MCP_ENABLE", "false"))) {
            JsonNode health =
                    Json.tree(product.get("/health").body().getBytes()).orElseThrow();
            assertThat(health.path("ready").asBoolean()).isTrue();
            assertThat(health.path("checks").path("mcp").path("status").asText())
                    .isEqualTo("disabled");
            assertThat(health.path("checks").path("mcp").path("detail").asText())
                    .isEqualTo("MCP_ENABLE=false");
        }
    }
}
