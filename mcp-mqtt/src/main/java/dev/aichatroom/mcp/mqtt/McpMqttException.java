package dev.aichatroom.mcp.mqtt;

import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;

/**
 * A failure of the MCP over MQTT transport, carrying a JSON-RPC error code.
 *
 * <p>It extends the SDK's {@link McpError}, so callers that already catch {@code McpError} see transport
 * failures too. Errors that end a pending request (server offline, timeout) reach the caller as an
 * {@code McpError} whose {@link McpError#getJsonRpcError() JSON-RPC error} carries one of the codes below.
 */
public class McpMqttException extends McpError {

    private static final long serialVersionUID = 1L;

    /** The peer went away (server presence cleared, {@code notifications/disconnected}, or broker connection lost). */
    public static final int CONNECTION_CLOSED = -32000;

    /** No response arrived within the per-method timeout. */
    public static final int REQUEST_TIMEOUT = -32001;

    /** A server refused {@code initialize}: it already has as many sessions as it accepts (-32002 is MCP's resource not found). */
    public static final int SERVER_BUSY = -32003;

    /** Standard JSON-RPC "Parse error". */
    public static final int PARSE_ERROR = McpSchema.ErrorCodes.PARSE_ERROR;

    /** Standard JSON-RPC "Invalid Request" (also used for oversized messages). */
    public static final int INVALID_REQUEST = McpSchema.ErrorCodes.INVALID_REQUEST;

    /** Standard JSON-RPC "Internal error". */
    public static final int INTERNAL_ERROR = McpSchema.ErrorCodes.INTERNAL_ERROR;

    public McpMqttException(int code, String message) {
        super(new McpSchema.JSONRPCResponse.JSONRPCError(code, message, null));
    }

    public McpMqttException(int code, String message, Throwable cause) {
        this(code, message);
        if (cause != null) {
            initCause(cause);
        }
    }

    /** The JSON-RPC error code. */
    public int code() {
        return getJsonRpcError().code();
    }
}
