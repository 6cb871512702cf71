package dev.aichatroom.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aichatroom.mcp.mqtt.DiscoveredServer;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** Which page's MCP server a voice call uses: the product's page, and seed 2's page with two connections. */
class DevicePairingTest {
    private static final McpConfig CONFIG = McpConfig.defaults("main");

    private static DiscoveredServer server(String id, String name, Map<String, Object> meta) {
        return new DiscoveredServer(id, name, "", meta);
    }

    private static Predicate<DiscoveredServer> device(String id) {
        return DevicePairing.of(CONFIG, id);
    }

    @Test
    void the_products_page_pairs_by_the_suffix_in_its_server_name() {
        DiscoveredServer page = server("voice_k3j9x", "web-ui-hardware-controller/k3j9x", Map.of());
        assertThat(device("voice-alice-k3j9x")).accepts(page);
        assertThat(device("voice-alice-zzzzz")).rejects(page);
    }

    @Test
    void a_seed_two_page_pairs_by_the_random_part_both_of_its_client_ids_end_in() {
        DiscoveredServer seedPage = server("mcp-ai-web-ui-a1b2c3", "web-ui-hardware-controller", Map.of());
        assertThat(device("webrtc_client_a1b2c3")).accepts(seedPage);
        assertThat(device("webrtc_client_ffffff")).rejects(seedPage);
        // the same random part under a name that is not a page's
        assertThat(device("webrtc_client_a1b2c3"))
                .rejects(server("mcp-ai-web-ui-a1b2c3", "ai-chatroom/main", Map.of()));
        // too short to tell pages apart
        assertThat(device("webrtc_client_ab"))
                .rejects(server("mcp-ai-web-ui-ab", "web-ui-hardware-controller", Map.of()));
    }

    @Test
    void a_page_whose_ids_share_nothing_pairs_by_naming_its_webrtc_client_in_its_presence() {
        DiscoveredServer named = server(
                "web-ui-hardware-server",
                "web-ui-hardware-controller",
                Map.of(DevicePairing.META_WEBRTC_CLIENT_ID, "webrtc_client_x9y8z7"));
        assertThat(device("webrtc_client_x9y8z7")).accepts(named);
        assertThat(device("webrtc_client_other1")).rejects(named);
    }
}
