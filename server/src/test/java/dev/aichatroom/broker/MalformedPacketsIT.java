package dev.aichatroom.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aichatroom.testing.TestProduct;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed packets and packet sequences that break the protocol, written byte by byte on raw sockets (Mosquitto's
 * broker test corpus is the model; these cases are our own): each ends the connection, after at most an MQTT 5
 * DISCONNECT, and is never acknowledged. The same connection with a well-formed packet instead gets its answer, so
 * the cases fail for their malformation alone.
 */
@Timeout(180)
class MalformedPacketsIT {
    private static TestProduct product;

    @BeforeAll
    static void start() {
        product = TestProduct.start(java.util.Map.of());
    }

    @AfterAll
    static void stop() {
        product.close();
    }

    static Stream<Arguments> malformed() {
        List<Arguments> cases = new ArrayList<>();
        for (int v : new int[] {4, 5}) {
            String p = "MQTT " + (v == 5 ? "5" : "3.1.1") + ": ";
            cases.add(Arguments.of(p + "PUBLISH topic with U+0000", v, publish(v, 1, utf8("a\u0000b"), 1)));
            cases.add(Arguments.of(
                    p + "PUBLISH topic with an encoded surrogate U+D800",
                    v,
                    publish(v, 1, bytes("a", 0xED, 0xA0, 0x80), 1)));
            cases.add(Arguments.of(p + "PUBLISH topic that is not UTF-8", v, publish(v, 1, bytes("a", 0xC3, 0x28), 1)));
            cases.add(Arguments.of(
                    p + "PUBLISH topic with an overlong '/'", v, publish(v, 1, bytes("over", 0xC0, 0xAF, 'l'), 1)));
            cases.add(Arguments.of(
                    p + "PUBLISH topic with a code point above U+10FFFF",
                    v,
                    publish(v, 1, bytes("a", 0xF4, 0x90, 0x80, 0x80), 1)));
            cases.add(Arguments.of(p + "PUBLISH topic with CR LF", v, publish(v, 1, utf8("a\r\nb"), 1)));
            cases.add(Arguments.of(p + "PUBLISH topic with '+'", v, publish(v, 1, utf8("a/+/b"), 1)));
            cases.add(Arguments.of(p + "PUBLISH topic with '#'", v, publish(v, 0, utf8("a/#"), 0)));
            cases.add(Arguments.of(p + "PUBLISH QoS 3", v, packet(0x36, concat(string(utf8("a")), u16(1), props(v)))));
            cases.add(Arguments.of(p + "PUBLISH QoS 1 with packet id 0", v, publish(v, 1, utf8("a"), 0)));
            cases.add(Arguments.of(p + "PUBLISH QoS 0 with DUP", v, packet(0x38, concat(string(utf8("a")), props(v)))));
            cases.add(Arguments.of(
                    p + "PUBLISH whose topic runs past the remaining length",
                    v,
                    packet(0x32, concat(u16(10), utf8("ab")))));
            cases.add(Arguments.of(
                    p + "SUBSCRIBE with reserved flags 0000",
                    v,
                    packet(0x80, concat(u16(1), props(v), string(utf8("a")), new byte[] {0}))));
            cases.add(Arguments.of(p + "SUBSCRIBE filter with U+0000", v, subscribe(v, 1, utf8("a/\u0000"), 0)));
            cases.add(Arguments.of(
                    p + "SUBSCRIBE filter with an encoded surrogate",
                    v,
                    subscribe(v, 1, bytes("a/", 0xED, 0xB0, 0x80), 0)));
            cases.add(
                    Arguments.of(p + "SUBSCRIBE filter with '#' before the end", v, subscribe(v, 1, utf8("a/#/b"), 0)));
            cases.add(
                    Arguments.of(p + "SUBSCRIBE filter with '+' inside a level", v, subscribe(v, 1, utf8("a/b+"), 0)));
            cases.add(Arguments.of(p + "SUBSCRIBE empty filter", v, subscribe(v, 1, new byte[0], 0)));
            cases.add(Arguments.of(p + "SUBSCRIBE with QoS 3", v, subscribe(v, 1, utf8("a"), 3)));
            cases.add(Arguments.of(
                    p + "SUBSCRIBE with reserved option bits", v, subscribe(v, 1, utf8("a"), v == 5 ? 0x40 : 0x04)));
            cases.add(Arguments.of(p + "SUBSCRIBE with packet id 0", v, subscribe(v, 0, utf8("a"), 0)));
            cases.add(Arguments.of(p + "SUBSCRIBE without a filter", v, packet(0x82, concat(u16(1), props(v)))));
            cases.add(Arguments.of(
                    p + "UNSUBSCRIBE with reserved flags 0000",
                    v,
                    packet(0xA0, concat(u16(1), props(v), string(utf8("a"))))));
            cases.add(Arguments.of(p + "UNSUBSCRIBE without a filter", v, packet(0xA2, concat(u16(1), props(v)))));
            cases.add(Arguments.of(
                    p + "UNSUBSCRIBE filter with U+0000",
                    v,
                    packet(0xA2, concat(u16(1), props(v), string(utf8("\u0000"))))));
            cases.add(Arguments.of(p + "a second CONNECT", v, connect(v, "second-connect", 0x02)));
            cases.add(Arguments.of(p + "PUBACK with packet id 0", v, packet(0x40, u16(0))));
            cases.add(Arguments.of(p + "PUBREL with reserved flags 0000", v, packet(0x60, u16(1))));
            cases.add(Arguments.of(p + "PINGREQ with flags", v, packet(0xC1, new byte[0])));
            cases.add(Arguments.of(p + "PINGREQ with a body", v, packet(0xC0, new byte[] {0})));
            cases.add(Arguments.of(p + "CONNACK sent by a client", v, packet(0x20, new byte[] {0, 0})));
            cases.add(Arguments.of(p + "packet type 0", v, packet(0x00, new byte[0])));
            cases.add(Arguments.of(p + "SUBACK sent by a client", v, packet(0x90, concat(u16(1), new byte[] {0}))));
        }
        cases.add(Arguments.of("MQTT 3.1.1: AUTH", 4, packet(0xF0, new byte[0])));
        cases.add(Arguments.of("MQTT 3.1.1: PUBACK with extra bytes", 4, packet(0x40, concat(u16(1), new byte[] {0}))));
        cases.add(Arguments.of("MQTT 3.1.1: DISCONNECT with a body", 4, packet(0xE0, new byte[] {0})));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void a_malformed_packet_after_login_ends_the_connection(String name, int version, byte[] packet) throws Exception {
        try (Socket s = loggedIn(version, "malformed-" + Math.abs(name.hashCode()))) {
            s.getOutputStream().write(packet);

            assertThat(readUntilClosed(s))
                    .as(name)
                    .satisfiesAnyOf(
                            b -> assertThat(b).isEmpty(),
                            b -> assertThat(b).startsWith(0xE0)); // MQTT 5: DISCONNECT (0x81 / 0x82), nothing else
        }
    }

    static Stream<Arguments> malformedFirstPackets() {
        return Stream.of(
                Arguments.of("PUBLISH before CONNECT", publish(4, 1, utf8("a"), 1)),
                Arguments.of("PINGREQ before CONNECT", packet(0xC0, new byte[0])),
                Arguments.of("CONNECT with the reserved flag", connect(4, "reserved-flag", 0x03)),
                Arguments.of("CONNECT with will QoS 3", connect(4, "will-qos", 0x02 | 0x18)),
                Arguments.of("CONNECT with will retain but no will", connect(5, "will-retain", 0x02 | 0x20)),
                Arguments.of("CONNECT with a password but no username (3.1.1)", connect(4, "pw", 0x02 | 0x40)),
                Arguments.of("CONNECT with CR LF in the client id", connect(5, "forged\r\nINFO line", 0x02)),
                Arguments.of("CONNECT with U+0000 in the client id", connect(4, "nul\u0000id", 0x02)),
                Arguments.of("CONNECT with bytes beyond its fields", concatPacket(connect(4, "extra", 0x02), 0)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedFirstPackets")
    void a_malformed_first_packet_ends_the_connection_without_a_connack(String name, byte[] packet) throws Exception {
        try (Socket s = new Socket("127.0.0.1", product.mqttPort())) {
            s.setSoTimeout(15_000);
            s.getOutputStream().write(packet);

            assertThat(readUntilClosed(s)).as(name).isEmpty();
        }
    }

    @Test
    void well_formed_packets_on_the_same_kind_of_connection_are_answered() throws Exception {
        for (int v : new int[] {4, 5}) {
            try (Socket s = loggedIn(v, "well-formed-" + v)) {
                s.getOutputStream().write(publish(v, 1, utf8("conformance/ü/€/😀"), 7));
                byte[] puback = readPacket(s);
                assertThat(puback[0] & 0xFF).isEqualTo(0x40);
                assertThat(java.util.Arrays.copyOfRange(puback, 2, 4)).containsExactly(0, 7);
                if (puback.length > 4) {
                    assertThat(puback[4])
                            .as("PUBACK reason")
                            .isLessThan((byte) 0x80)
                            .isGreaterThanOrEqualTo((byte) 0);
                }
                s.getOutputStream().write(subscribe(v, 8, utf8("conformance/+/€/#"), 1));
                byte[] suback = readPacket(s);
                assertThat(suback[0] & 0xFF).isEqualTo(0x90);
                assertThat(suback[suback.length - 1]).as("granted QoS 1").isEqualTo((byte) 1);
                s.getOutputStream().write(packet(0xC0, new byte[0]));
                assertThat(readPacket(s)).containsExactly(0xD0, 0);
            }
        }
    }

    /** One packet from the broker (remaining length < 128), header included. */
    private static byte[] readPacket(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        int header = in.read();
        int length = in.read();
        return concat(new byte[] {(byte) header, (byte) length}, in.readNBytes(length));
    }

    private static Socket loggedIn(int version, String clientId) throws IOException {
        Socket s = new Socket("127.0.0.1", product.mqttPort());
        s.setSoTimeout(15_000);
        s.getOutputStream().write(connect(version, clientId, 0x02));
        InputStream in = s.getInputStream();
        assertThat(in.read()).isEqualTo(0x20);
        int length = in.read();
        byte[] connack = in.readNBytes(length);
        assertThat(connack[1]).as("CONNACK reason").isZero();
        return s;
    }

    /** Everything the broker sends until it closes; fails if it keeps the connection open for 15 s. */
    private static byte[] readUntilClosed(Socket s) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        InputStream in = s.getInputStream();
        try {
            for (int b = in.read(); b >= 0; b = in.read()) {
                out.write(b);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("still connected 15 s later; received " + out.size() + " bytes");
        } catch (SocketException e) {
            // reset: closed as well
        }
        return out.toByteArray();
    }

    static byte[] connect(int version, String clientId, int flags) {
        byte[] variable = concat(
                string(utf8(version == 5 ? "MQTT" : "MQTT")),
                new byte[] {(byte) version, (byte) flags, 0, 60},
                props(version),
                string(utf8(clientId)));
        if ((flags & 0x40) != 0) {
            variable = concat(variable, string(utf8("password")));
        }
        return packet(0x10, variable);
    }

    static byte[] publish(int version, int qos, byte[] topic, int packetId) {
        return packet(
                0x30 | qos << 1,
                concat(string(topic), qos > 0 ? u16(packetId) : new byte[0], props(version), utf8("payload")));
    }

    static byte[] subscribe(int version, int packetId, byte[] filter, int options) {
        return packet(0x82, concat(u16(packetId), props(version), string(filter), new byte[] {(byte) options}));
    }

    /** A packet with {@code extra} bytes appended inside its remaining length. */
    private static byte[] concatPacket(byte[] packet, int extra) {
        byte[] body = java.util.Arrays.copyOfRange(packet, 2, packet.length); // CONNECTs here are < 128 bytes
        return packet(packet[0] & 0xFF, concat(body, new byte[] {(byte) extra}));
    }

    static byte[] packet(int header, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(header);
        int len = body.length;
        do {
            int digit = len % 128;
            len /= 128;
            out.write(len > 0 ? digit | 0x80 : digit);
        } while (len > 0);
        out.writeBytes(body);
        return out.toByteArray();
    }

    private static byte[] props(int version) {
        return version == 5 ? new byte[] {0} : new byte[0];
    }

    private static byte[] string(byte[] b) {
        return concat(u16(b.length), b);
    }

    private static byte[] u16(int v) {
        return new byte[] {(byte) (v >> 8), (byte) v};
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** ASCII text followed by raw bytes. */
    private static byte[] bytes(String ascii, int... raw) {
        byte[] b = new byte[raw.length];
        for (int i = 0; i < raw.length; i++) {
            b[i] = (byte) raw[i];
        }
        return concat(utf8(ascii), b);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
