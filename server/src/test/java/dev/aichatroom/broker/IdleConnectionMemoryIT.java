package dev.aichatroom.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ObjectName;
import org.apache.activemq.artemis.core.server.protocol.websocket.WebSocketServerHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an idle connection keeps in the embedded broker's heap once its CONNECT is accepted (issue 13: ≤ 12 KiB of the
 * process's memory per idle connection). The many clients run in a Python process of their own, so that the heap
 * measured here holds only the broker's side of them; the live heap is read from a class histogram, which collects
 * the garbage first.
 */
@Timeout(240)
class IdleConnectionMemoryIT {
    private static final int CLIENTS = 400;
    private static final Pattern TOTAL = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)\\s*$");
    private static final Pattern FILLER = Pattern.compile("(?m)^\\s*\\d+:\\s+\\d+\\s+(\\d+)\\s+\\S*FillerElement");

    @TempDir
    static Path dataDir;

    private static OpenBroker open;
    private static EmbeddedBroker broker;
    private static int tcpPort;
    private static int wsPort;

    @BeforeAll
    static void start() {
        open = OpenBroker.tcpAndWebSocket(dataDir);
        broker = open.broker();
        tcpPort = open.port();
        wsPort = open.wsPort();
    }

    @AfterAll
    static void stop() {
        open.close();
    }

    @Test
    void an_admitted_connection_keeps_no_login_guard_and_a_websocket_one_no_upgrade_request() throws Exception {
        try (Idle clients = Idle.open(tcpPort, "tcp", 1, "guard-tcp");
                Idle ws = Idle.open(wsPort, "ws", 1, "guard-ws")) {
            // the guard steps aside on the connection's event loop
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                List<ChannelPipeline> pipelines = broker.pipelines();
                assertThat(pipelines).hasSize(2);
                for (ChannelPipeline p : pipelines) {
                    assertThat(p.get(ConnectionGuard.class))
                            .as("login guard of an admitted connection: %s", p.names())
                            .isNull();
                }
            });
            List<ChannelHandler> webSocketHandlers = broker.pipelines().stream()
                    .map(p -> p.get("websocket-handler"))
                    .filter(h -> h != null)
                    .toList();
            assertThat(webSocketHandlers)
                    .as("the upgraded connection's frame handler holds neither the HTTP request nor the handshaker")
                    .singleElement()
                    .isSameAs(WebSocketFrames.INSTANCE)
                    .isNotInstanceOf(WebSocketServerHandler.class);
        }
    }

    @Test
    void a_websocket_connection_still_answers_ping_and_close_after_the_upgrade() throws IOException {
        try (Socket s = new Socket("127.0.0.1", wsPort)) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write(BrokerLimitsIT.upgrade(wsPort, null));
            String head = readHead(in);
            assertThat(head).startsWith("HTTP/1.1 101");
            out.write(maskedFrame(0x82, connectPacket("ws-frames")));
            byte[] connack = readFrame(in);
            assertThat(connack[0]).as("CONNACK in a binary frame").isEqualTo((byte) 0x20);
            out.write(maskedFrame(0x89, "are you there".getBytes(StandardCharsets.US_ASCII)));
            byte[] pong = readFrameOf(in, 0x8A);
            assertThat(new String(pong, StandardCharsets.US_ASCII)).isEqualTo("are you there");
            // an MQTT PINGREQ in a binary frame still reaches the broker, and its PINGRESP comes back framed
            out.write(maskedFrame(0x82, new byte[] {(byte) 0xC0, 0x00}));
            assertThat(readFrameOf(in, 0x82)).containsExactly((byte) 0xD0, 0x00);
            out.write(maskedFrame(0x88, new byte[] {0x03, (byte) 0xE8}));
            byte[] close = readFrameOf(in, 0x88);
            assertThat(close).startsWith((byte) 0x03, (byte) 0xE8);
            assertThat(in.read())
                    .as("the connection ends after the close frame")
                    .isEqualTo(-1);
        }
    }

    @Test
    void an_idle_tcp_connection_holds_at_most_7_5_kib_of_heap() throws Exception {
        // 7,036 bytes with the login guard kept until the next packet, 6,768 without (Artemis 2.55, JDK 25)
        assertThat(liveBytesPerConnection(tcpPort, "tcp")).isLessThan(7 * 1024 + 512);
    }

    @Test
    void an_idle_websocket_connection_holds_at_most_8_kib_of_heap() throws Exception {
        // 9,133 bytes with Artemis' frame handler (the upgrade request and the handshaker kept), 7,062 without
        assertThat(liveBytesPerConnection(wsPort, "ws")).isLessThan(8 * 1024);
    }

    private static long liveBytesPerConnection(int port, String transport) throws Exception {
        // the first connections load and compile the code they run, and size the broker's tables
        try (Idle warm = Idle.open(port, transport, 50, "warm-" + transport)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> broker.connectionCount() == 50);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> broker.connectionCount() == 0);
        long before = liveHeap();
        long with;
        try (Idle clients = Idle.open(port, transport, CLIENTS, "idle-" + transport)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> broker.connectionCount() == CLIENTS);
            with = liveHeap();
        }
        long perConnection = (with - before) / CLIENTS;
        System.out.println("IdleConnectionMemoryIT: " + transport + " " + perConnection + " bytes of live heap per"
                + " idle connection (" + CLIENTS + " clients)");
        return perConnection;
    }

    /** The bytes of live objects, from a class histogram (which runs a full collection first). */
    private static long liveHeap() throws Exception {
        String histogram = (String) ManagementFactory.getPlatformMBeanServer()
                .invoke(
                        new ObjectName("com.sun.management:type=DiagnosticCommand"),
                        "gcClassHistogram",
                        new Object[] {new String[0]},
                        new String[] {String[].class.getName()});
        Matcher total = TOTAL.matcher(histogram);
        assertThat(total.find()).as("class histogram total").isTrue();
        long bytes = Long.parseLong(total.group(1));
        // the collector's filler arrays are not objects anyone holds
        Matcher filler = FILLER.matcher(histogram);
        while (filler.find()) {
            bytes -= Long.parseLong(filler.group(1));
        }
        return bytes;
    }

    /** An MQTT 5 CONNECT: clean start, keep-alive 60 s, no properties; a short client id. */
    private static byte[] connectPacket(String clientId) {
        byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
        byte[] head = {0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x02, 0x00, 0x3c, 0x00};
        byte[] packet = new byte[2 + head.length + 2 + id.length];
        packet[0] = 0x10;
        packet[1] = (byte) (packet.length - 2);
        System.arraycopy(head, 0, packet, 2, head.length);
        packet[2 + head.length] = (byte) (id.length >> 8);
        packet[3 + head.length] = (byte) id.length;
        System.arraycopy(id, 0, packet, 4 + head.length, id.length);
        return packet;
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            assertThat(b).as("HTTP response head").isNotNegative();
            head.append((char) b);
        }
        return head.toString();
    }

    /** A client frame (masked, as clients must), payload below 126 bytes. */
    private static byte[] maskedFrame(int firstByte, byte[] payload) {
        byte[] mask = {0x11, 0x22, 0x33, 0x44};
        byte[] frame = new byte[6 + payload.length];
        frame[0] = (byte) firstByte;
        frame[1] = (byte) (0x80 | payload.length);
        System.arraycopy(mask, 0, frame, 2, 4);
        for (int i = 0; i < payload.length; i++) {
            frame[6 + i] = (byte) (payload[i] ^ mask[i % 4]);
        }
        return frame;
    }

    /** The payload of the next server frame (unmasked, below 126 bytes). */
    private static byte[] readFrame(InputStream in) throws IOException {
        return readFrameOf(in, -1);
    }

    /** The payload of the next server frame whose first byte is {@code firstByte} (any when -1), skipping others. */
    private static byte[] readFrameOf(InputStream in, int firstByte) throws IOException {
        while (true) {
            byte[] head = in.readNBytes(2);
            assertThat(head).as("a frame from the broker").hasSize(2);
            byte[] payload = in.readNBytes(head[1] & 0x7F);
            if (firstByte == -1 || (head[0] & 0xFF) == firstByte) {
                return payload;
            }
        }
    }

    /** {@code idle_clients.py}: idle clients in a Python process; closing this ends them. */
    private record Idle(Process process) implements AutoCloseable {
        static Idle open(int port, String transport, int count, String prefix) throws IOException, URISyntaxException {
            Path script = Path.of(IdleConnectionMemoryIT.class
                    .getResource("/broker/idle_clients.py")
                    .toURI());
            Process p = new ProcessBuilder(
                            "python3",
                            script.toString(),
                            Integer.toString(port),
                            transport,
                            Integer.toString(count),
                            prefix)
                    .redirectErrorStream(true)
                    .start();
            Idle idle = new Idle(p);
            BufferedReader lines =
                    new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            List<String> seen = new ArrayList<>();
            String line;
            while ((line = lines.readLine()) != null && !line.startsWith("ready")) {
                seen.add(line);
            }
            assertThat(line).as("idle clients ready (output: %s)", seen).isEqualTo("ready " + count);
            return idle;
        }

        @Override
        public void close() {
            try {
                process.getOutputStream().close();
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (IOException e) {
                process.destroyForcibly();
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
