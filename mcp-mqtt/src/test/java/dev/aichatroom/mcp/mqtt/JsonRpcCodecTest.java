package dev.aichatroom.mcp.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aichatroom.mcp.mqtt.JsonRpcCodec.Decoded;
import dev.aichatroom.mcp.mqtt.JsonRpcCodec.Invalid;
import dev.aichatroom.mcp.mqtt.JsonRpcCodec.Valid;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonRpcCodecTest {

    private final JsonRpcCodec codec = new JsonRpcCodec(McpJsonDefaults.getMapper(), 4096);

    private Decoded decode(String json) {
        return codec.decode(json.getBytes(StandardCharsets.UTF_8));
    }

    private Invalid invalid(String json) {
        Decoded d = decode(json);
        assertThat(d).as(json).isInstanceOf(Invalid.class);
        return (Invalid) d;
    }

    private McpSchema.JSONRPCMessage valid(String json) {
        Decoded d = decode(json);
        assertThat(d).as(json).isInstanceOf(Valid.class);
        return ((Valid) d).message();
    }

    @Test
    void requests_notifications_and_responses_decode_to_sdk_messages() {
        assertThat(valid("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}"))
                .isInstanceOfSatisfying(McpSchema.JSONRPCRequest.class, r -> {
                    assertThat(r.method()).isEqualTo("ping");
                    assertThat(r.id()).isEqualTo(1);
                });
        assertThat(valid("{\"jsonrpc\":\"2.0\",\"id\":\"a-1\",\"method\":\"tools/call\",\"params\":{\"name\":\"x\"}}"))
                .isInstanceOfSatisfying(
                        McpSchema.JSONRPCRequest.class, r -> assertThat(r.id()).isEqualTo("a-1"));
        assertThat(valid("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"))
                .isInstanceOf(McpSchema.JSONRPCNotification.class);
        assertThat(valid("{\"jsonrpc\":\"2.0\",\"id\":\"a-1\",\"result\":{}}"))
                .isInstanceOf(McpSchema.JSONRPCResponse.class);
        assertThat(valid("{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":-32601,\"message\":\"x\"}}"))
                .isInstanceOfSatisfying(
                        McpSchema.JSONRPCResponse.class,
                        r -> assertThat(r.error().code()).isEqualTo(-32601));
    }

    @Test
    void error_responses_without_id_are_reported_but_not_routed_or_answered() {
        Invalid i = invalid("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"x\"}}");
        assertThat(i.answer()).isFalse();
        assertThat(i.reason()).contains("-32700");
    }

    @Test
    void broken_json_is_a_parse_error_answered_with_a_null_id() {
        for (String broken : new String[] {"{", "not json", "", "{\"jsonrpc\":\"2.0\",}"}) {
            Invalid i = invalid(broken);
            assertThat(i.code()).isEqualTo(-32700);
            assertThat(i.id()).isNull();
            assertThat(i.answer()).isTrue();
        }
    }

    @Test
    void valid_json_that_is_not_a_request_is_an_invalid_request() {
        assertThat(invalid("[]").code()).isEqualTo(-32600);
        assertThat(invalid("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]")
                        .reason())
                .contains("batches");
        assertThat(invalid("42").code()).isEqualTo(-32600);
        assertThat(invalid("\"ping\"").code()).isEqualTo(-32600);
        assertThat(invalid("null").code()).isEqualTo(-32600);
    }

    @Test
    void invalid_requests_are_answered_with_their_id_when_it_is_usable() {
        Invalid noMethod = invalid("{\"jsonrpc\":\"2.0\",\"id\":7}");
        assertThat(noMethod.code()).isEqualTo(-32600);
        assertThat(noMethod.id()).isEqualTo(7);
        assertThat(noMethod.answer()).isTrue();

        assertThat(invalid("{\"jsonrpc\":\"1.0\",\"id\":8,\"method\":\"ping\"}").id())
                .isEqualTo(8);
        assertThat(invalid("{\"id\":8,\"method\":\"ping\"}").id()).isEqualTo(8);
        assertThat(invalid("{\"jsonrpc\":\"2.0\",\"id\":\"n\",\"method\":42}").id())
                .isEqualTo("n");
        assertThat(invalid("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"\"}").id())
                .isEqualTo(9);
        assertThat(invalid("{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"x\",\"params\":1}")
                        .id())
                .isEqualTo(10);
        assertThat(invalid("{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"x\",\"result\":{}}")
                        .id())
                .isEqualTo(11);

        Invalid badId = invalid("{\"jsonrpc\":\"2.0\",\"id\":{\"a\":1},\"method\":\"ping\"}");
        assertThat(badId.id()).isNull();
        assertThat(badId.answer()).isTrue();
        assertThat(invalid("{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"ping\"}")
                        .id())
                .isNull();
        assertThat(invalid("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}")
                        .id())
                .isNull();
    }

    @Test
    void broken_responses_are_not_answered() {
        assertThat(invalid("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{},\"error\":{\"code\":1}}")
                        .answer())
                .isFalse();
        assertThat(invalid("{\"jsonrpc\":\"2.0\",\"result\":{}}").answer()).isFalse();
        assertThat(invalid("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":\"bad\"}").answer())
                .isFalse();
        assertThat(invalid("{\"jsonrpc\":\"1.0\",\"id\":1,\"result\":{}}").answer())
                .isFalse();
    }

    @Test
    void oversized_payloads_are_rejected_before_parsing() {
        byte[] big = new byte[4097];
        Invalid i = (Invalid) codec.decode(big);
        assertThat(i.code()).isEqualTo(-32600);
        assertThat(i.reason()).contains("4097 bytes exceeds the maximum payload of 4096 bytes");
    }

    @Test
    void encoding_refuses_messages_above_the_maximum_payload() {
        var small = new McpSchema.JSONRPCRequest("2.0", "ping", "id-1", null);
        assertThat(new String(codec.encode(small), StandardCharsets.UTF_8)).contains("\"method\":\"ping\"");
        var huge = new McpSchema.JSONRPCNotification("2.0", "x", Map.of("blob", "b".repeat(5000)));
        assertThatThrownBy(() -> codec.encode(huge))
                .isInstanceOf(McpMqttException.class)
                .hasMessageContaining("exceeds the maximum payload of 4096 bytes");
    }

    @Test
    void error_responses_carry_an_explicit_null_id() {
        String json = new String(codec.errorResponse(null, -32700, "Parse error"), StandardCharsets.UTF_8);
        assertThat(json)
                .isEqualTo("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"Parse error\"}}");
        assertThat(new String(codec.errorResponse(3, -32600, "x"), StandardCharsets.UTF_8))
                .contains("\"id\":3");
    }

    @Test
    void notifications_without_params_are_minimal() {
        assertThat(new String(codec.notification("notifications/disconnected"), StandardCharsets.UTF_8))
                .isEqualTo("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/disconnected\"}");
    }

    @Test
    void a_streaming_scan_finds_the_top_level_id_of_large_or_broken_messages() {
        String big = "x".repeat(10_000);
        Invalid response = invalid(
                "{\"jsonrpc\":\"2.0\",\"result\":{\"id\":\"nested\",\"text\":\"" + big + "\"},\"id\":\"req-7\"}");
        assertThat(response.responseId()).isEqualTo("req-7");
        assertThat(response.answer()).as("never answer a response").isFalse();
        assertThat(response.reason()).contains("exceeds the maximum payload of 4096 bytes");

        Invalid request =
                invalid("{\"jsonrpc\":\"2.0\",\"id\":12,\"method\":\"tools/call\",\"params\":{\"n\":\"" + big + "\"}}");
        assertThat(request.responseId()).isNull();
        assertThat(request.answer()).isTrue();
        assertThat(request.id())
                .as("an oversized request is answered with its own id")
                .isEqualTo(12);

        Invalid broken = invalid("{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"content\":[");
        assertThat(broken.code()).isEqualTo(McpSchema.ErrorCodes.PARSE_ERROR);
        assertThat(broken.responseId()).isEqualTo(3);
        assertThat(broken.id())
                .as("JSON-RPC answers a parse error with id null")
                .isNull();

        assertThat(JsonRpcCodec.scanHead("{\"id\":99999999999,\"error\":{}}".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(new JsonRpcCodec.Head(99999999999L, false));
        assertThat(JsonRpcCodec.scanHead("[1,2]".getBytes(StandardCharsets.UTF_8))
                        .id())
                .isNull();
        assertThat(JsonRpcCodec.scanHead("not json".getBytes(StandardCharsets.UTF_8))
                        .id())
                .isNull();
        assertThat(JsonRpcCodec.scanHead("{\"id\":1.5}".getBytes(StandardCharsets.UTF_8))
                        .id())
                .isNull();
        assertThat(invalid("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"x\"").responseId())
                .as("a broken request is no response")
                .isNull();
    }
}
