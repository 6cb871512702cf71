package dev.aichatroom.mcp.mqtt;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy in front of the broker that sees the raw MQTT 5 bytes: it records every CONNECT and the options of
 * every SUBSCRIBE, can add user
 * properties to the broker's CONNACK (to play a broker that suggests names), and can cut all connections abruptly
 * (so that the broker fires the wills).
 */
final class MqttWireProxy implements AutoCloseable {

    /** What a client put in its CONNECT packet. */
    record ConnectPacket(
            String clientId,
            boolean cleanStart,
            Long sessionExpiry,
            List<Map.Entry<String, String>> userProperties,
            String willTopic,
            byte[] willPayload,
            int willQos,
            boolean willRetain,
            List<Map.Entry<String, String>> willUserProperties) {

        String userProperty(String name) {
            return userProperties.stream()
                    .filter(e -> e.getKey().equals(name))
                    .map(Map.Entry::getValue)
                    .findFirst()
                    .orElse(null);
        }

        String willUserProperty(String name) {
            return willUserProperties.stream()
                    .filter(e -> e.getKey().equals(name))
                    .map(Map.Entry::getValue)
                    .findFirst()
                    .orElse(null);
        }
    }

    /** One topic filter of a SUBSCRIBE packet with its subscription options. */
    record SubscribeOption(
            String clientId, String filter, int qos, boolean noLocal, boolean retainAsPublished, int retainHandling) {}

    private final int targetPort;
    private final ServerSocket server;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final List<ConnectPacket> connects = new CopyOnWriteArrayList<>();
    private final List<SubscribeOption> subscriptions = new CopyOnWriteArrayList<>();
    private volatile Map<String, String> connackUserProperties = Map.of();

    private MqttWireProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "mqtt-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    static MqttWireProxy to(MosquittoBroker broker) {
        try {
            return new MqttWireProxy(broker.port());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    MqttConnectionConfig connection() {
        return MqttConnectionConfig.of("127.0.0.1", server.getLocalPort());
    }

    /** User properties added to the CONNACK of every later connection. */
    void connackUserProperties(Map<String, String> properties) {
        this.connackUserProperties = new LinkedHashMap<>(properties);
    }

    List<ConnectPacket> connects() {
        return List.copyOf(connects);
    }

    /** Every topic filter clients subscribed to through this proxy, with its options, in order. */
    List<SubscribeOption> subscriptions() {
        return List.copyOf(subscriptions);
    }

    ConnectPacket lastConnectOf(String clientId) {
        List<ConnectPacket> all = connects();
        for (int i = all.size() - 1; i >= 0; i--) {
            if (all.get(i).clientId().equals(clientId)) {
                return all.get(i);
            }
        }
        throw new AssertionError("no CONNECT from " + clientId + " in " + all);
    }

    /** Resets every open connection (TCP RST, no DISCONNECT): the broker publishes the wills. */
    void cutAll() {
        for (Socket s : List.copyOf(open)) {
            try {
                s.setSoLinger(true, 0);
                s.close();
            } catch (IOException ignored) {
                // already gone
            }
        }
        open.clear();
    }

    @Override
    public void close() {
        cutAll();
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket broker = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                client.setTcpNoDelay(true);
                broker.setTcpNoDelay(true);
                open.add(client);
                open.add(broker);
                Map<String, String> extra = connackUserProperties;
                pump("c2b", client, broker, true, Map.of());
                pump("b2c", broker, client, false, extra);
            } catch (IOException e) {
                if (!server.isClosed()) {
                    System.err.println("proxy accept failed: " + e);
                }
            }
        }
    }

    private void pump(String name, Socket from, Socket to, boolean clientToBroker, Map<String, String> connackExtra) {
        Thread t = new Thread(
                () -> {
                    try (InputStream in = from.getInputStream();
                            OutputStream out = to.getOutputStream()) {
                        // client to broker: every packet is read (CONNECT, SUBSCRIBE); broker to client: only CONNACK
                        String clientId = null;
                        do {
                            int type = in.read();
                            if (type < 0) {
                                return;
                            }
                            int length = readVarInt(in);
                            byte[] body = new DataInputStream(in).readNBytes(length);
                            if (clientToBroker && (type & 0xF0) == 0x10) {
                                ConnectPacket connect = parseConnect(body);
                                clientId = connect.clientId();
                                connects.add(connect);
                            }
                            if (clientToBroker && (type & 0xF0) == 0x80) {
                                subscriptions.addAll(parseSubscribe(clientId, body));
                            }
                            if (!clientToBroker && (type & 0xF0) == 0x20 && !connackExtra.isEmpty()) {
                                body = addUserProperties(body, connackExtra);
                            }
                            out.write(type);
                            writeVarInt(out, body.length);
                            out.write(body);
                            out.flush();
                        } while (clientToBroker);
                        in.transferTo(out);
                    } catch (IOException | RuntimeException ignored) {
                        // connection closed or cut
                    } finally {
                        closeQuietly(from);
                        closeQuietly(to);
                    }
                },
                "mqtt-proxy-" + name);
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // best effort
        }
    }

    // ------------------------------------------------------------------ MQTT 5 encoding helpers

    private static byte[] addUserProperties(byte[] connackBody, Map<String, String> extra) {
        Reader r = new Reader(connackBody);
        int flags = r.u8();
        int reason = r.u8();
        int propsLength = r.varInt();
        byte[] props = r.bytes(propsLength);
        ByteArrayOutputStream added = new ByteArrayOutputStream();
        added.writeBytes(props);
        extra.forEach((k, v) -> {
            added.write(0x26);
            writeString(added, k);
            writeString(added, v);
        });
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(flags);
        body.write(reason);
        writeVarInt(body, added.size());
        body.writeBytes(added.toByteArray());
        return body.toByteArray();
    }

    private static ConnectPacket parseConnect(byte[] body) {
        Reader r = new Reader(body);
        r.string(); // "MQTT"
        r.u8(); // protocol level 5
        int flags = r.u8();
        r.u16(); // keep alive
        Map<Integer, Object> props = new LinkedHashMap<>();
        List<Map.Entry<String, String>> userProps = new ArrayList<>();
        r.properties(props, userProps);
        String clientId = r.string();
        String willTopic = null;
        byte[] willPayload = null;
        List<Map.Entry<String, String>> willUserProps = new ArrayList<>();
        if ((flags & 0x04) != 0) {
            r.properties(new LinkedHashMap<>(), willUserProps);
            willTopic = r.string();
            willPayload = r.bytes(r.u16());
        }
        Object expiry = props.get(0x11);
        return new ConnectPacket(
                clientId,
                (flags & 0x02) != 0,
                expiry == null ? null : ((Number) expiry).longValue(),
                userProps,
                willTopic,
                willPayload,
                (flags >> 3) & 0x03,
                (flags & 0x20) != 0,
                willUserProps);
    }

    private static List<SubscribeOption> parseSubscribe(String clientId, byte[] body) {
        Reader r = new Reader(body);
        r.u16(); // packet identifier
        r.properties(new LinkedHashMap<>(), new ArrayList<>());
        List<SubscribeOption> out = new ArrayList<>();
        while (r.remaining() > 0) {
            String filter = r.string();
            int options = r.u8();
            out.add(new SubscribeOption(
                    clientId,
                    filter,
                    options & 0x03,
                    (options & 0x04) != 0,
                    (options & 0x08) != 0,
                    (options >> 4) & 0x03));
        }
        return out;
    }

    private static int readVarInt(InputStream in) throws IOException {
        int value = 0;
        int shift = 0;
        int b;
        do {
            b = in.read();
            if (b < 0) {
                throw new IOException("eof in remaining length");
            }
            value |= (b & 0x7F) << shift;
            shift += 7;
        } while ((b & 0x80) != 0);
        return value;
    }

    private static void writeVarInt(OutputStream out, int value) {
        try {
            do {
                int b = value & 0x7F;
                value >>>= 7;
                out.write(value > 0 ? b | 0x80 : b);
            } while (value > 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void writeString(ByteArrayOutputStream out, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.write(bytes.length >> 8);
        out.write(bytes.length & 0xFF);
        out.writeBytes(bytes);
    }

    /** Reads MQTT 5 data types from a packet body. */
    private static final class Reader {
        private final byte[] data;
        private int pos;

        Reader(byte[] data) {
            this.data = data;
        }

        int u8() {
            return data[pos++] & 0xFF;
        }

        int remaining() {
            return data.length - pos;
        }

        int u16() {
            return (u8() << 8) | u8();
        }

        long u32() {
            return ((long) u16() << 16) | u16();
        }

        int varInt() {
            int value = 0;
            int shift = 0;
            int b;
            do {
                b = u8();
                value |= (b & 0x7F) << shift;
                shift += 7;
            } while ((b & 0x80) != 0);
            return value;
        }

        byte[] bytes(int n) {
            byte[] out = java.util.Arrays.copyOfRange(data, pos, pos + n);
            pos += n;
            return out;
        }

        String string() {
            return new String(bytes(u16()), StandardCharsets.UTF_8);
        }

        void properties(Map<Integer, Object> into, List<Map.Entry<String, String>> userProps) {
            int end = varInt() + pos;
            while (pos < end) {
                int id = varInt();
                switch (id) {
                    case 0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2A -> into.put(id, u8());
                    case 0x13, 0x21, 0x22, 0x23 -> into.put(id, u16());
                    case 0x02, 0x11, 0x18, 0x27 -> into.put(id, u32());
                    case 0x0B -> into.put(id, varInt());
                    case 0x03, 0x08, 0x12, 0x15, 0x1A, 0x1C, 0x1F -> into.put(id, string());
                    case 0x09, 0x16 -> into.put(id, bytes(u16()));
                    case 0x26 -> userProps.add(Map.entry(string(), string()));
                    default -> throw new IllegalStateException("unknown MQTT property " + id);
                }
            }
        }
    }
}
