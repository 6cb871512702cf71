package dev.aichatroom.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A bare MQTT 3.1.1 connection written byte by byte, for what client libraries will not do: vanish without a
 * DISCONNECT so that the broker publishes the will.
 */
public final class RawMqtt implements AutoCloseable {
    private final Socket socket;

    private RawMqtt(Socket socket) {
        this.socket = socket;
    }

    public static RawMqtt connectWithWill(int port, String clientId, String willTopic, byte[] will, boolean retain) {
        try {
            Socket s = new Socket("127.0.0.1", port);
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            string(body, "MQTT");
            body.write(4); // 3.1.1
            body.write(0x02 | 0x04 | 0x08 | (retain ? 0x20 : 0)); // clean session, will, will QoS 1, will retain
            body.write(0);
            body.write(60); // keep-alive 60 s
            string(body, clientId);
            string(body, willTopic);
            body.write(will.length >> 8);
            body.write(will.length & 0xFF);
            body.write(will);
            s.getOutputStream().write(connectPacket(body.toByteArray()));
            InputStream in = s.getInputStream();
            byte[] connack = in.readNBytes(4);
            if (connack.length != 4 || connack[0] != 0x20 || connack[3] != 0) {
                throw new IllegalStateException("CONNACK refused");
            }
            return new RawMqtt(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * An MQTT 3.1.1 CONNECT with a username and password, byte by byte (any characters in the strings, CR and LF
     * included), then closes the socket.
     *
     * @return the CONNACK return code, or -1 when the broker closed the connection without one
     */
    public static int tryLogin(int port, String clientId, String username, String password) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            string(body, "MQTT");
            body.write(4); // 3.1.1
            body.write(0x80 | 0x40 | 0x02); // username, password, clean session
            body.write(0);
            body.write(60);
            string(body, clientId);
            string(body, username);
            string(body, password);
            s.getOutputStream().write(connectPacket(body.toByteArray()));
            byte[] connack = s.getInputStream().readNBytes(4);
            return connack.length == 4 && connack[0] == 0x20 ? connack[3] : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * A subscriber that stops reading: MQTT 3.1.1, clean session, subscribes to {@code filter} at {@code qos}, reads
     * the SUBACK and then never reads again, with a receive buffer as small as the kernel allows, so that what the
     * broker sends it piles up in the broker.
     */
    public static RawMqtt subscribeAndStall(int port, String clientId, String filter, int qos) {
        try {
            Socket s = new Socket();
            s.setReceiveBufferSize(4096);
            s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 10_000);
            s.setSoTimeout(10_000);
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            string(body, "MQTT");
            body.write(4); // 3.1.1
            body.write(0x02); // clean session
            body.write(0);
            body.write(0); // no keep-alive: the stalled reader sends nothing
            string(body, clientId);
            s.getOutputStream().write(connectPacket(body.toByteArray()));
            InputStream in = s.getInputStream();
            byte[] connack = in.readNBytes(4);
            if (connack.length != 4 || connack[0] != 0x20 || connack[3] != 0) {
                throw new IllegalStateException("CONNACK refused");
            }
            ByteArrayOutputStream subscribe = new ByteArrayOutputStream();
            subscribe.write(0);
            subscribe.write(1); // packet id 1
            string(subscribe, filter);
            subscribe.write(qos);
            byte[] packet = connectPacket(subscribe.toByteArray());
            packet[0] = (byte) 0x82;
            s.getOutputStream().write(packet);
            byte[] suback = in.readNBytes(5);
            if (suback.length != 5 || (suback[0] & 0xFF) != 0x90 || (suback[4] & 0xFF) >= 0x80) {
                throw new IllegalStateException("SUBSCRIBE refused");
            }
            return new RawMqtt(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Resumes {@code clientId}'s session (MQTT 5, clean start 0, session expiry 1 h), reads the broker's first packet,
     * and drops the connection without acknowledging anything, so what the session holds stays for the next time.
     *
     * @return the first byte of the broker's first packet (0x20 for a CONNACK), or -1 when it sent nothing
     */
    public static int firstPacketOnResume(int port, String clientId) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            string(body, "MQTT");
            body.write(5);
            body.write(0); // clean start 0
            body.write(0);
            body.write(60);
            body.write(5); // properties: session expiry interval 3,600 s
            body.write(0x11);
            body.writeBytes(new byte[] {0, 0, 0x0E, 0x10});
            string(body, clientId);
            s.getOutputStream().write(connectPacket(body.toByteArray()));
            int first = s.getInputStream().read();
            s.setSoLinger(true, 0);
            return first;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A CONNECT packet: its fixed header (type, remaining length as a variable byte integer), then {@code body}. */
    private static byte[] connectPacket(byte[] body) {
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        packet.write(0x10);
        int len = body.length;
        do {
            int digit = len % 128;
            len /= 128;
            packet.write(len > 0 ? digit | 0x80 : digit);
        } while (len > 0);
        packet.writeBytes(body);
        return packet.toByteArray();
    }

    private static void string(ByteArrayOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write(b.length >> 8);
        out.write(b.length & 0xFF);
        out.write(b);
    }

    /** Drops the TCP connection without a DISCONNECT packet. */
    @Override
    public void close() {
        try {
            socket.setSoLinger(true, 0);
            socket.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
