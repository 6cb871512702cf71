// Topic names and user properties of MCP over MQTT (PROTOCOL.md §5), as mcp-mqtt/Wire.java names them.

export const PROP_COMPONENT_TYPE = 'MCP-COMPONENT-TYPE';
export const PROP_MQTT_CLIENT_ID = 'MCP-MQTT-CLIENT-ID';
export const PROP_META = 'MCP-META';
export const PROP_SERVER_NAME = 'MCP-SERVER-NAME';

export const METHOD_SERVER_ONLINE = 'notifications/server/online';
export const METHOD_DISCONNECTED = 'notifications/disconnected';

/** Client → server: `initialize`. */
export function serverControl(serverId: string, serverName: string): string {
  return `$mcp-server/${serverId}/${serverName}`;
}

/** Server → clients: list_changed notifications. */
export function serverCapability(serverId: string, serverName: string): string {
  return `$mcp-server/capability/${serverId}/${serverName}`;
}

/** Server → clients, retained: `notifications/server/online`; an empty payload means gone. */
export function serverPresence(serverId: string, serverName: string): string {
  return `$mcp-server/presence/${serverId}/${serverName}`;
}

export function serverPresenceFilter(serverNameFilter: string): string {
  return `$mcp-server/presence/+/${serverNameFilter}`;
}

/** Client → server: `notifications/disconnected`. */
export function clientPresence(clientId: string): string {
  return `$mcp-client/presence/${clientId}`;
}

/** Client → server: roots list_changed. */
export function clientCapability(clientId: string): string {
  return `$mcp-client/capability/${clientId}`;
}

/** Both ways, subscribed with No Local: everything after `initialize`. */
export function rpc(clientId: string, serverId: string, serverName: string): string {
  return `$mcp-rpc/${clientId}/${serverId}/${serverName}`;
}

/** Server ids and client ids: non-empty, without `/ + #`. */
export function isValidId(id: string | undefined): id is string {
  return id !== undefined && id.length > 0 && id.length <= 1024 && !/[/+#\u0000]/.test(id);
}

/** Server names: non-empty levels separated by `/`, no wildcards. */
export function isValidServerName(name: string): boolean {
  return name.length > 0 && name.length <= 8192 && name.split('/').every((level) => level.length > 0 && !/[+#\u0000]/.test(level));
}

/** The single value of a user property (the first, when repeated). */
export function userProperty(props: Record<string, string | string[]>, name: string): string | undefined {
  const value = props[name];
  return Array.isArray(value) ? value[0] : value;
}
