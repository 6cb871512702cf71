package dev.aichatroom.mcp.mqtt;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCMessage;
import java.io.IOException;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns MQTT payloads into SDK JSON-RPC messages and back, with a size bound and the JSON-RPC 2.0 validity
 * rules. Anything that is not a valid message becomes {@link Invalid}, never an exception.
 */
final class JsonRpcCodec {

    sealed interface Decoded permits Valid, Invalid {}

    record Valid(JSONRPCMessage message) implements Decoded {}

    /**
     * Not a valid JSON-RPC message.
     *
     * @param code JSON-RPC error code
     * @param reason human readable reason
     * @param id the request id to answer with (null if it could not be determined)
     * @param answer whether an error response should be sent back (false for broken responses, to avoid loops)
     * @param responseId the id of a response that was too large or not JSON, found by a streaming scan: the request
     *     it answers can fail at once instead of waiting for its timeout (null if none)
     */
    record Invalid(int code, String reason, Object id, boolean answer, Object responseId) implements Decoded {
        Invalid(int code, String reason, Object id, boolean answer) {
            this(code, reason, id, answer, null);
        }
    }

    /** What a streaming scan saw at the top level of a payload (as far as it could read). */
    record Head(Object id, boolean hasMethod) {
        /** Looks like a response: an id and no method. */
        boolean isResponse() {
            return id != null && !hasMethod;
        }
    }

    private static final JsonFactory SCANNER = JsonFactory.builder()
            .streamReadConstraints(
                    StreamReadConstraints.builder().maxNestingDepth(1000).build())
            .build();

    private final McpJsonMapper mapper;
    private final int maxPayloadBytes;

    JsonRpcCodec(McpJsonMapper mapper, int maxPayloadBytes) {
        this.mapper = mapper;
        this.maxPayloadBytes = maxPayloadBytes;
    }

    McpJsonMapper mapper() {
        return mapper;
    }

    int maxPayloadBytes() {
        return maxPayloadBytes;
    }

    Decoded decode(byte[] payload) {
        if (payload.length > maxPayloadBytes) {
            String reason = "Message of " + payload.length + " bytes exceeds the maximum payload of " + maxPayloadBytes
                    + " bytes";
            Head head = scanHead(payload);
            if (head.isResponse()) {
                // answering a response would start a ping-pong; fail the request it answers instead
                return new Invalid(McpSchema.ErrorCodes.INVALID_REQUEST, reason, null, false, head.id());
            }
            return new Invalid(McpSchema.ErrorCodes.INVALID_REQUEST, reason, head.hasMethod() ? head.id() : null, true);
        }
        Object tree;
        try {
            tree = mapper.readValue(payload, Object.class);
        } catch (IOException | RuntimeException e) {
            // JSON-RPC: a parse error is answered with id null; a broken response still fails its request
            Head head = scanHead(payload);
            return new Invalid(
                    McpSchema.ErrorCodes.PARSE_ERROR,
                    "Parse error: not valid JSON",
                    null,
                    true,
                    head.isResponse() ? head.id() : null);
        }
        if (tree instanceof List<?>) {
            return new Invalid(
                    McpSchema.ErrorCodes.INVALID_REQUEST, "Invalid Request: batches are not supported", null, true);
        }
        if (!(tree instanceof Map<?, ?> map)) {
            return new Invalid(
                    McpSchema.ErrorCodes.INVALID_REQUEST, "Invalid Request: not a JSON-RPC object", null, true);
        }
        return decodeObject(map);
    }

    private Decoded decodeObject(Map<?, ?> map) {
        Object id = map.get("id");
        boolean hasId = map.containsKey("id");
        boolean idValid = id instanceof String || isIntegral(id);
        Object method = map.get("method");
        boolean isResponseShaped =
                !map.containsKey("method") && (map.containsKey("result") || map.containsKey("error"));
        Object answerId = idValid ? id : null;

        if (!"2.0".equals(map.get("jsonrpc"))) {
            return invalid("Invalid Request: \"jsonrpc\" must be \"2.0\"", answerId, !isResponseShaped);
        }
        if (isResponseShaped) {
            if (map.containsKey("result") == map.containsKey("error")) {
                return invalid("Invalid Response: exactly one of \"result\" and \"error\" is required", null, false);
            }
            if (!hasId || !(idValid || id == null)) {
                return invalid("Invalid Response: bad \"id\"", null, false);
            }
            if (map.containsKey("error") && !(map.get("error") instanceof Map<?, ?> err && err.get("code") != null)) {
                return invalid("Invalid Response: \"error\" must be an object with a code", null, false);
            }
            if (id == null) {
                // the peer could not read one of our messages; nothing to route it to
                return invalid("Error response without id: " + map.get("error"), null, false);
            }
            return convert(map, McpSchema.JSONRPCResponse.class, null, false);
        }
        if (!(method instanceof String methodName) || methodName.isEmpty()) {
            return invalid("Invalid Request: \"method\" must be a non-empty string", answerId, true);
        }
        if (map.containsKey("result") || map.containsKey("error")) {
            return invalid("Invalid Request: a request must not carry \"result\" or \"error\"", answerId, true);
        }
        Object params = map.get("params");
        if (params != null && !(params instanceof Map<?, ?>) && !(params instanceof List<?>)) {
            return invalid("Invalid Request: \"params\" must be an object or an array", answerId, true);
        }
        if (!hasId) {
            return convert(map, McpSchema.JSONRPCNotification.class, null, false);
        }
        if (!idValid) {
            return invalid("Invalid Request: \"id\" must be a string or an integer", null, true);
        }
        return convert(map, McpSchema.JSONRPCRequest.class, id, true);
    }

    private Decoded convert(Map<?, ?> map, Class<? extends JSONRPCMessage> type, Object id, boolean answer) {
        try {
            return new Valid(mapper.convertValue(map, type));
        } catch (RuntimeException e) {
            return invalid("Invalid Request: " + type.getSimpleName() + " expected", id, answer);
        }
    }

    private static Invalid invalid(String reason, Object id, boolean answer) {
        return new Invalid(McpSchema.ErrorCodes.INVALID_REQUEST, reason, id, answer);
    }

    private static boolean isIntegral(Object id) {
        return id instanceof Integer || id instanceof Long || id instanceof Short || id instanceof BigInteger;
    }

    /**
     * Reads the top-level {@code "id"} (a string or an integer) and whether there is a top-level {@code "method"},
     * with a streaming parser: no size limit, no tree, nested ids ignored, and what was read before broken JSON
     * still counts.
     */
    static Head scanHead(byte[] payload) {
        Object id = null;
        boolean hasMethod = false;
        try (JsonParser p = SCANNER.createParser(payload)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return new Head(null, false);
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (value == null) {
                    break;
                }
                if ("method".equals(field)) {
                    hasMethod = true;
                } else if ("id".equals(field)) {
                    if (value == JsonToken.VALUE_STRING) {
                        id = p.getText();
                    } else if (value == JsonToken.VALUE_NUMBER_INT) {
                        id = switch (p.getNumberType()) {
                            case INT -> p.getIntValue();
                            case LONG -> p.getLongValue();
                            default -> p.getBigIntegerValue();
                        };
                    }
                }
                p.skipChildren();
            }
        } catch (IOException | RuntimeException e) {
            // broken JSON: keep what was read before the break
        }
        return new Head(id, hasMethod);
    }

    /** Serializes a message; fails if it is larger than the maximum payload. */
    byte[] encode(JSONRPCMessage message) {
        byte[] bytes = write(message);
        if (bytes.length > maxPayloadBytes) {
            throw new McpMqttException(
                    McpMqttException.INVALID_REQUEST,
                    "Message of " + bytes.length + " bytes exceeds the maximum payload of " + maxPayloadBytes
                            + " bytes");
        }
        return bytes;
    }

    /** An error response; written by hand so that an unknown id is sent as {@code "id": null}. */
    byte[] errorResponse(Object id, int code, String message) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code);
        error.put("message", message);
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("jsonrpc", McpSchema.JSONRPC_VERSION);
        response.put("id", id);
        response.put("error", error);
        return write(response);
    }

    /** A notification without params, e.g. {@code notifications/disconnected}. */
    byte[] notification(String method) {
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("jsonrpc", McpSchema.JSONRPC_VERSION);
        n.put("method", method);
        return write(n);
    }

    byte[] write(Object value) {
        try {
            return mapper.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new McpMqttException(McpMqttException.INTERNAL_ERROR, "Could not serialize JSON-RPC message", e);
        }
    }

    /** Reads any JSON value (for presence payloads); null if it is not JSON. */
    Object readTree(byte[] payload) {
        try {
            return mapper.readValue(payload, Object.class);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
