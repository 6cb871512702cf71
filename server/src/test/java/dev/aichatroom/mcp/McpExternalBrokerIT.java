package dev.aichatroom.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aichatroom.mqtt.Json;
import dev.aichatroom.testing.Mosquitto;
import dev.aichatroom.testing.TestProduct;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** MCP with the external broker settings: the product finds the page's tools on Debian's Mosquitto. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class McpExternalBrokerIT {
    @Test
    void the_product_finds_the_pages_tools_and_offers_its_room_on_an_external_broker() {
        try (Mosquitto mosquitto = Mosquitto.start(false);
                TestProduct product = TestProduct.start(Map.of(
                        "MQTT_BROKER", "127.0.0.1",
                        "MQTT_PORT", Integer.toString(mosquitto.port()),
                        "MQTT_CLIENT_ID", "mcp-external-it"));
                TestPage page = TestPage.start(mosquitto.port(), "ext")) {
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                JsonNode mcp = Json.tree(product.get("/health").body().getBytes())
                        .orElseThrow()
                        .path("checks")
                        .path("mcp");
                assertThat(mcp.path("status").asText()).isEqualTo("up");
                assertThat(mcp.path("detail").asText())
                        .contains("1 server, 4 tools", page.serverName() + ": 4 tools", "serving ai-chatroom/main");
            });
        }
    }
}
