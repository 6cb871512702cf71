package dev.aichatroom.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import dev.aichatroom.testing.TestMqtt;
import dev.aichatroom.testing.TestProduct;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Exhaustion before and after login, tried with raw sockets the way an attacker would: oversized first packets,
 * sockets and WebSocket upgrades that never send CONNECT, a flood of connections and of wrong passwords.
 */
@Timeout(120)
class BrokerLimitsIT {
    private static final int MAX_PACKET = 256 * 1024;
    private static TestProduct product;

    @BeforeAll
    static void start() {
        product = TestProduct.start(Map.of(
                "MQTT_CONNECT_TIMEOUT", "1",
                "MQTT_MAX_PACKET_SIZE", Integer.toString(MAX_PACKET),
                "MQTT_MAX_CONNECTIONS_PER_IP", "40",
                "MQTT_LOGIN_FAILURES_PER_IP", "5",
                "MQTT_LOGIN_BAN", "2",
                "MQTT_ACCOUNTS_FILE", accountsFile()));
    }

    private static String accountsFile() {
        try {
            java.nio.file.Path file = java.nio.file.Files.createTempFile("accounts", ".txt");
            java.nio.file.Files.writeString(file, "limits-user:right-password\n");
            return file.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void stop() {
        product.close();
    }

    @Test
    void a_first_packet_announcing_100_mb_is_cut_off_instead_of_buffered() throws Exception {
        // an MQTT 5 CONNECT whose properties (user properties, each valid) go on for 100 MB, and bytes that are
        // no protocol at all
        byte[] userProperty = {0x26, 0, 1, 'a', 0, 1, 'b'};
        byte[] properties = new byte[64 * 1024 - (64 * 1024) % userProperty.length];
        for (int i = 0; i < properties.length; i++) {
            properties[i] = userProperty[i % userProperty.length];
        }
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                sockets.add(new Socket("127.0.0.1", product.mqttPort()));
            }
            for (int i = 0; i < sockets.size(); i++) {
                boolean mqtt = i % 2 == 0;
                long written = writeUntilRefused(
                        sockets.get(i),
                        mqtt ? hugeConnectHeader() : "junk-junk-junk".getBytes(StandardCharsets.US_ASCII),
                        mqtt ? properties : new byte[64 * 1024],
                        32L * 1024 * 1024);
                assertThat(written)
                        .as("bytes the broker took before closing " + (mqtt ? "a CONNECT of 100 MB" : "junk"))
                        .isLessThan(8L * 1024 * 1024);
            }
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    @Test
    void a_post_login_packet_above_the_maximum_packet_size_ends_the_connection() throws Exception {
        try (Socket s = new Socket("127.0.0.1", product.mqttPort())) {
            s.getOutputStream().write(connect311("limits-user-big-sender", "limits-user", "right-password"));
            assertThat(s.getInputStream().readNBytes(4)).containsExactly(0x20, 2, 0, 0);
            // a publish within the limit (but far above the limit before login) is fine
            s.getOutputStream().write(publish311("chatroom/limits/ok", new byte[128 * 1024]));
            s.getOutputStream().write(new byte[] {(byte) 0xC0, 0}); // PINGREQ
            s.setSoTimeout(5000);
            assertThat(s.getInputStream().readNBytes(2)).containsExactly(0xD0, 0);
            long written = writeUntilRefused(s, fixedHeader(0x30, 50_000_000), new byte[64 * 1024], 32L * 1024 * 1024);
            assertThat(written).isLessThan(8L * 1024 * 1024);
        }
    }

    @Test
    void a_tcp_socket_that_never_completes_connect_is_closed() throws Exception {
        try (Socket idle = new Socket("127.0.0.1", product.mqttPort());
                Socket partial = new Socket("127.0.0.1", product.mqttPort())) {
            byte[] connect = connect311("slow-loris", null, null);
            partial.getOutputStream().write(connect, 0, connect.length - 3);
            assertClosedWithin(idle, Duration.ofSeconds(4));
            assertClosedWithin(partial, Duration.ofSeconds(4));
        }
    }

    @Test
    void a_websocket_upgrade_that_never_sends_connect_is_closed() throws Exception {
        try (Socket ws = new Socket("127.0.0.1", product.wsPort())) {
            ws.getOutputStream().write(upgrade(product.wsPort(), null));
            ws.setSoTimeout(5000);
            String status = new String(ws.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(status).isEqualTo("HTTP/1.1 101");
            assertClosedWithin(ws, Duration.ofSeconds(4));
        }
    }

    @Test
    void a_websocket_upgrade_from_another_sites_page_is_refused() throws Exception {
        assertThat(upgradeStatus("https://evil.example")).isEqualTo("HTTP/1.1 403");
        assertThat(upgradeStatus("http://127.0.0.1:" + (product.httpPort() + 1)))
                .isEqualTo("HTTP/1.1 403");
        assertThat(upgradeStatus("null")).isEqualTo("HTTP/1.1 403");
        // the product's own page, and clients that are no browser (no Origin)
        assertThat(upgradeStatus("http://127.0.0.1:" + product.httpPort())).isEqualTo("HTTP/1.1 101");
        assertThat(upgradeStatus(null)).isEqualTo("HTTP/1.1 101");
    }

    private static String upgradeStatus(String origin) throws IOException {
        try (Socket ws = new Socket("127.0.0.1", product.wsPort())) {
            ws.getOutputStream().write(upgrade(product.wsPort(), origin));
            ws.setSoTimeout(5000);
            return new String(ws.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void connections_from_one_address_are_capped_and_the_service_keeps_working() throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(() -> connectWith("limits-user", "right-password") == 0);
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < 70; i++) {
                sockets.add(new Socket("127.0.0.1", product.mqttPort()));
            }
            // those over the limit of 40 are closed at once, long before the CONNECT timeout (1 s) would
            int closedAtOnce = 0;
            for (Socket s : sockets.subList(50, 70)) {
                s.setSoTimeout(200);
                try {
                    closedAtOnce += s.getInputStream().read() == -1 ? 1 : 0;
                } catch (SocketTimeoutException stillOpen) {
                    // not refused
                } catch (java.net.SocketException reset) {
                    closedAtOnce++;
                }
            }
            assertThat(closedAtOnce)
                    .as("connections over the limit closed at once")
                    .isEqualTo(20);
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(
                        () -> assertThat(product.get("/health").statusCode()).isEqualTo(200));
    }

    @Test
    void wrong_passwords_from_one_address_get_it_banned_for_a_while() {
        for (int i = 0; i < 5; i++) {
            assertThat(connectWith("limits-user", "wrong-" + i)).isEqualTo(0x86);
        }
        assertThat(connectWith("limits-user", "right-password"))
                .as("even the right password waits out the ban")
                .isNotEqualTo(0);
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> connectWith("limits-user", "right-password") == 0);
    }

    /** The CONNACK reason code (MQTT 5), or -1 when the connection was closed without one. */
    private static int connectWith(String user, String password) {
        try (TestMqtt ignored = TestMqtt.connect(
                product.mqttPort(),
                user + "-" + System.nanoTime(),
                b -> b,
                c -> c.simpleAuth()
                        .username(user)
                        .password(password.getBytes(StandardCharsets.UTF_8))
                        .applySimpleAuth())) {
            return 0;
        } catch (Mqtt5ConnAckException e) {
            return e.getMqttMessage().getReasonCode().getCode();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private static void assertClosedWithin(Socket s, Duration limit) throws IOException {
        s.setSoTimeout((int) limit.toMillis());
        try {
            InputStream in = s.getInputStream();
            int b;
            do {
                b = in.read();
            } while (b != -1);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("still open after " + limit);
        } catch (java.net.SocketException reset) {
            // closed with a reset: also closed
        }
    }

    /** Writes {@code head} then {@code chunk} again and again until the peer stops taking them; returns the bytes written. */
    private static long writeUntilRefused(Socket s, byte[] head, byte[] chunk, long max) {
        long written = 0;
        try {
            OutputStream out = s.getOutputStream();
            out.write(head);
            written += head.length;
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (written < max && System.nanoTime() < deadline) {
                out.write(chunk);
                written += chunk.length;
            }
        } catch (IOException closed) {
            return written;
        }
        return written;
    }

    private static byte[] hugeConnectHeader() {
        byte[] fixed = fixedHeader(0x10, 100_000_000);
        byte[] variable = {0, 4, 'M', 'Q', 'T', 'T', 5, 2, 0, 60, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x2F};
        byte[] out = new byte[fixed.length + variable.length];
        System.arraycopy(fixed, 0, out, 0, fixed.length);
        System.arraycopy(variable, 0, out, fixed.length, variable.length);
        return out;
    }

    static byte[] fixedHeader(int type, int remaining) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(type);
        int len = remaining;
        do {
            int digit = len % 128;
            len /= 128;
            out.write(len > 0 ? digit | 0x80 : digit);
        } while (len > 0);
        return out.toByteArray();
    }

    static byte[] connect311(String clientId, String user, String password) {
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        string(body, "MQTT");
        body.write(4);
        body.write(0x02 | (user != null ? 0x80 | 0x40 : 0));
        body.write(0);
        body.write(60);
        string(body, clientId);
        if (user != null) {
            string(body, user);
            string(body, password);
        }
        return packet(0x10, body.toByteArray());
    }

    static byte[] publish311(String topic, byte[] payload) {
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        string(body, topic);
        body.writeBytes(payload);
        return packet(0x30, body.toByteArray());
    }

    static byte[] packet(int type, byte[] body) {
        byte[] head = fixedHeader(type, body.length);
        byte[] out = new byte[head.length + body.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(body, 0, out, head.length, body.length);
        return out;
    }

    static void string(java.io.ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write(b.length >> 8);
        out.write(b.length & 0xFF);
        out.writeBytes(b);
    }

    /** A WebSocket upgrade request for MQTT, with an {@code Origin} header when one is given. */
    static byte[] upgrade(int port, String origin) {
        String request = "GET /mqtt HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n"
                + (origin == null ? "" : "Origin: " + origin + "\r\n") + "\r\n";
        return request.getBytes(StandardCharsets.US_ASCII);
    }
}
