/** MCP over MQTT 5 transports for the MCP Java SDK. */
package dev.aichatroom.mcp.mqtt;
