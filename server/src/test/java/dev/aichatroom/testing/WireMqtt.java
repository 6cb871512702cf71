package dev.aichatroom.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttUnsubAckMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.AttributeKey;
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
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;

/**
 * A thin MQTT 3.1.1 / 5 client on a plain socket, packets encoded and decoded by Netty's MQTT codec, that does only
 * what a test tells it to: no keep-alive pings, no reconnects, no client-side checks of the server's limits, so that a
 * test can break them (send a topic alias 0, exceed the Receive Maximum, vanish without a DISCONNECT). Like the Eclipse
 * Paho test client it answers the acknowledgement flows itself ({@link Mode#AUTO}) unless told not to, or hands every
 * packet to the test ({@link Mode#MANUAL}).
 */
public final class WireMqtt implements AutoCloseable {
    /** Whether the client answers PUBLISH / PUBREC / PUBREL itself, or leaves every packet to the test. */
    public enum Mode {
        AUTO,
        MANUAL
    }

    /** An application message as it arrived. */
    public record Message(String topic, byte[] payload, int qos, boolean retain, MqttProperties properties) {
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /** The user properties in the order they came. */
        public List<Map.Entry<String, String>> userProperties() {
            List<Map.Entry<String, String>> out = new ArrayList<>();
            for (MqttProperties.MqttProperty<?> p :
                    properties.getProperties(MqttProperties.MqttPropertyType.USER_PROPERTY.value())) {
                if (p instanceof MqttProperties.UserProperty u) {
                    out.add(Map.entry(u.value().key, u.value().value));
                }
            }
            return out;
        }

        public Optional<Object> property(MqttProperties.MqttPropertyType type) {
            return Optional.ofNullable(properties.getProperty(type.value())).map(MqttProperties.MqttProperty::value);
        }

        /** Every subscription identifier the message carries. */
        public List<Integer> subscriptionIds() {
            return properties.getProperties(MqttProperties.MqttPropertyType.SUBSCRIPTION_IDENTIFIER.value()).stream()
                    .map(p -> (Integer) p.value())
                    .toList();
        }
    }

    private static final AttributeKey<MqttVersion> VERSION = AttributeKey.valueOf("NETTY_CODEC_MQTT_VERSION");
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final Socket socket;
    private final OutputStream out;
    private final MqttVersion version;
    private final Mode mode;
    private final EmbeddedChannel encoder = new EmbeddedChannel(MqttEncoder.INSTANCE);
    private final EmbeddedChannel decoder = new EmbeddedChannel(new MqttDecoder(16 * 1024 * 1024));
    private final AtomicInteger packetIds = new AtomicInteger();
    private final BlockingQueue<MqttMessage> packets = new LinkedBlockingQueue<>();
    private final BlockingQueue<MqttConnAckMessage> connacks = new LinkedBlockingQueue<>();
    private final Map<Integer, MqttMessage> acks = new ConcurrentHashMap<>();
    private final Map<Integer, List<Integer>> subacks = new ConcurrentHashMap<>();
    private final List<Message> messages = new CopyOnWriteArrayList<>();
    private final List<Integer> disconnects = new CopyOnWriteArrayList<>();
    private volatile boolean paused;
    private volatile boolean closed;

    private WireMqtt(Socket socket, MqttVersion version, Mode mode) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.version = version;
        this.mode = mode;
        encoder.attr(VERSION).set(version);
        decoder.attr(VERSION).set(version);
        Thread.ofVirtual().name("wire-mqtt-reader").start(this::read);
    }

    /** Opens a TCP connection to the broker on loopback; nothing is sent yet. */
    public static WireMqtt open(int port, MqttVersion version, Mode mode) {
        try {
            Socket s = new Socket("127.0.0.1", port);
            s.setTcpNoDelay(true);
            return new WireMqtt(s, version, mode);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static WireMqtt open(int port, MqttVersion version) {
        return open(port, version, Mode.AUTO);
    }

    /** The options of a CONNECT; {@code will} empty for none. */
    public record Connect(
            String clientId, boolean cleanStart, int keepAlive, MqttProperties properties, Optional<Will> will) {
        public static Connect of(String clientId) {
            return new Connect(clientId, true, 0, new MqttProperties(), Optional.empty());
        }

        public Connect cleanStart(boolean clean) {
            return new Connect(clientId, clean, keepAlive, properties, will);
        }

        public Connect keepAlive(int seconds) {
            return new Connect(clientId, cleanStart, seconds, properties, will);
        }

        public Connect properties(MqttProperties p) {
            return new Connect(clientId, cleanStart, keepAlive, p, will);
        }

        public Connect will(Will w) {
            return new Connect(clientId, cleanStart, keepAlive, properties, Optional.of(w));
        }
    }

    /** A will message. */
    public record Will(String topic, byte[] payload, int qos, boolean retain, MqttProperties properties) {
        public static Will of(String topic, String payload) {
            return new Will(topic, payload.getBytes(StandardCharsets.UTF_8), 0, false, new MqttProperties());
        }

        public Will properties(MqttProperties p) {
            return new Will(topic, payload, qos, retain, p);
        }
    }

    /**
     * Sends CONNECT and waits for the CONNACK.
     *
     * @throws IllegalStateException when the broker closes the connection or refuses it
     */
    public MqttConnAckMessage connect(Connect c) {
        MqttConnAckMessage ack = tryConnect(c).orElseThrow(() -> new IllegalStateException("no CONNACK"));
        if (connackCode(ack) != 0) {
            throw new IllegalStateException("CONNACK 0x" + Integer.toHexString(connackCode(ack)));
        }
        return ack;
    }

    /** Sends CONNECT and returns the CONNACK, whatever its code; empty when the broker closed without one. */
    public Optional<MqttConnAckMessage> tryConnect(Connect c) {
        MqttMessageBuilders.ConnectBuilder b = MqttMessageBuilders.connect()
                .protocolVersion(version)
                .clientId(c.clientId())
                .cleanSession(c.cleanStart())
                .keepAlive(c.keepAlive());
        if (version == MqttVersion.MQTT_5) {
            b.properties(c.properties());
        }
        c.will().ifPresent(w -> {
            b.willFlag(true)
                    .willTopic(w.topic())
                    .willMessage(w.payload())
                    .willQoS(MqttQoS.valueOf(w.qos()))
                    .willRetain(w.retain());
            if (version == MqttVersion.MQTT_5) {
                b.willProperties(w.properties());
            }
        });
        send(b.build());
        return awaitConnack();
    }

    /** Sends bytes as they are (a packet the codec would not write) and returns the CONNACK, if one comes. */
    public Optional<MqttConnAckMessage> sendRawConnect(byte[] bytes) {
        writeBytes(bytes);
        return awaitConnack();
    }

    private Optional<MqttConnAckMessage> awaitConnack() {
        long deadline = System.nanoTime() + WAIT.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                MqttConnAckMessage ack = connacks.poll(100, TimeUnit.MILLISECONDS);
                if (ack != null) {
                    return Optional.of(ack);
                }
                if (closed) {
                    return Optional.empty();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Optional.empty();
    }

    /** Publishes without waiting for the acknowledgement; returns the packet id (0 for QoS 0). */
    public int publish(String topic, byte[] payload, int qos, boolean retain, MqttProperties properties) {
        int id = qos == 0 ? 0 : nextPacketId();
        MqttMessageBuilders.PublishBuilder b = MqttMessageBuilders.publish()
                .topicName(topic)
                .qos(MqttQoS.valueOf(qos))
                .retained(retain)
                .messageId(id)
                .payload(Unpooled.wrappedBuffer(payload));
        if (version == MqttVersion.MQTT_5) {
            b.properties(properties);
        }
        send(b.build());
        return id;
    }

    public int publish(String topic, String payload, int qos, boolean retain) {
        return publish(topic, payload.getBytes(StandardCharsets.UTF_8), qos, retain, new MqttProperties());
    }

    public int publish(String topic, String payload, int qos) {
        return publish(topic, payload, qos, false);
    }

    /** Publishes and waits until the QoS 1 / 2 flow is complete (PUBACK, or PUBCOMP). */
    public void publishAndWait(String topic, byte[] payload, int qos, boolean retain, MqttProperties properties) {
        int id = publish(topic, payload, qos, retain, properties);
        if (qos > 0) {
            awaitAck(id);
        }
    }

    public void publishAndWait(String topic, String payload, int qos, boolean retain) {
        publishAndWait(topic, payload.getBytes(StandardCharsets.UTF_8), qos, retain, new MqttProperties());
    }

    /** Waits for the PUBACK or PUBCOMP of a packet id and returns it. */
    public MqttMessage awaitAck(int packetId) {
        Awaitility.await().atMost(WAIT).until(() -> acks.containsKey(packetId) || closed);
        MqttMessage ack = acks.remove(packetId);
        if (ack == null) {
            throw new IllegalStateException("connection closed before packet " + packetId + " was acknowledged");
        }
        return ack;
    }

    /** Subscribes and returns the SUBACK's codes, one per filter. */
    public List<Integer> subscribe(List<String> filters, List<MqttSubscriptionOption> options, MqttProperties props) {
        int id = nextPacketId();
        MqttMessageBuilders.SubscribeBuilder b = MqttMessageBuilders.subscribe().messageId(id);
        for (int i = 0; i < filters.size(); i++) {
            MqttSubscriptionOption o = options.get(i);
            b.addSubscription(
                    filters.get(i), version == MqttVersion.MQTT_5 ? o : MqttSubscriptionOption.onlyFromQos(o.qos()));
        }
        if (version == MqttVersion.MQTT_5) {
            b.properties(props);
        }
        send(b.build());
        Awaitility.await().atMost(WAIT).until(() -> subacks.containsKey(id) || closed);
        List<Integer> codes = subacks.remove(id);
        if (codes == null) {
            throw new IllegalStateException("connection closed before the SUBACK");
        }
        return codes;
    }

    public List<Integer> subscribe(String filter, int qos) {
        return subscribe(List.of(filter), List.of(MqttSubscriptionOption.onlyFromQos(MqttQoS.valueOf(qos))));
    }

    public List<Integer> subscribe(List<String> filters, List<MqttSubscriptionOption> options) {
        return subscribe(filters, options, new MqttProperties());
    }

    public static MqttSubscriptionOption qos(int qos) {
        return MqttSubscriptionOption.onlyFromQos(MqttQoS.valueOf(qos));
    }

    public void unsubscribe(String filter) {
        int id = nextPacketId();
        send(MqttMessageBuilders.unsubscribe()
                .messageId(id)
                .addTopicFilter(filter)
                .build());
        Awaitility.await().atMost(WAIT).until(() -> acks.containsKey(id) || closed);
        acks.remove(id);
    }

    /**
     * A DISCONNECT (with {@code properties}, MQTT 5), then waits (up to 5 s) for the broker to close the connection, so
     * that it has handled the DISCONNECT before the test goes on (a session that ends with it has ended).
     */
    public void disconnect(MqttProperties properties) {
        if (!closed) {
            MqttMessage m = version == MqttVersion.MQTT_5
                    ? MqttMessageBuilders.disconnect()
                            .reasonCode((byte) 0)
                            .properties(properties)
                            .build()
                    : new MqttMessage(
                            new MqttFixedHeader(MqttMessageType.DISCONNECT, false, MqttQoS.AT_MOST_ONCE, false, 0));
            try {
                send(m);
                Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> closed);
            } catch (UncheckedIOException | org.awaitility.core.ConditionTimeoutException e) {
                // already gone, or a broker that keeps the connection open: closed below all the same
            }
        }
        close();
    }

    public void disconnect() {
        disconnect(new MqttProperties());
    }

    /** Drops the TCP connection without a DISCONNECT (the broker publishes the will). */
    public void terminate() {
        try {
            socket.setSoLinger(true, 0);
        } catch (IOException e) {
            // closing anyway
        }
        close();
    }

    /** From now on incoming packets are dropped unread, unanswered (like a client that stopped reading). */
    public void pause() {
        paused = true;
    }

    /** Sends any packet. */
    public void send(MqttMessage message) {
        ByteBuf bytes;
        synchronized (encoder) {
            encoder.writeOutbound(message);
            bytes = Unpooled.buffer();
            for (ByteBuf b; (b = encoder.readOutbound()) != null; ) {
                bytes.writeBytes(b);
                b.release();
            }
        }
        writeBytes(ByteBufUtil.getBytes(bytes));
    }

    public void writeBytes(byte[] bytes) {
        try {
            synchronized (out) {
                out.write(bytes);
                out.flush();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** PUBACK for a received QoS 1 PUBLISH ({@link Mode#MANUAL}). */
    public void puback(int packetId) {
        send(MqttMessageBuilders.pubAck().packetId(packetId).build());
    }

    /** The next packet from the broker within {@code timeout} ({@link Mode#MANUAL}); empty when none came. */
    public Optional<MqttMessage> next(Duration timeout) {
        try {
            return Optional.ofNullable(packets.poll(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** The return code (3.1.1) or reason code (5) of a CONNACK; 0 is success. */
    public static int connackCode(MqttConnAckMessage ack) {
        return ack.variableHeader().connectReturnCode().byteValue() & 0xFF;
    }

    public List<Message> messages() {
        return List.copyOf(messages);
    }

    public void clear() {
        messages.clear();
    }

    /** Waits until at least {@code count} messages arrived. */
    public List<Message> awaitMessages(int count, Duration timeout) {
        Awaitility.await().alias(count + " message(s)").atMost(timeout).until(() -> messages.size() >= count);
        return messages();
    }

    /** Reason codes of the DISCONNECTs the broker sent (3.1.1 has none). */
    public List<Integer> disconnects() {
        return List.copyOf(disconnects);
    }

    public boolean isClosed() {
        return closed;
    }

    private int nextPacketId() {
        return packetIds.updateAndGet(i -> i >= 65_535 ? 1 : i + 1);
    }

    private void read() {
        byte[] buffer = new byte[64 * 1024];
        try {
            InputStream in = socket.getInputStream();
            for (int n; (n = in.read(buffer)) >= 0; ) {
                if (paused) {
                    continue;
                }
                decoder.writeInbound(Unpooled.copiedBuffer(buffer, 0, n));
                for (Object o; (o = decoder.readInbound()) != null; ) {
                    handle((MqttMessage) o);
                }
            }
        } catch (SocketTimeoutException e) {
            // not used: the socket has no read timeout
        } catch (IOException e) {
            // closed
        } catch (RuntimeException e) {
            // a packet Netty cannot decode: treat the connection as broken
        } finally {
            closed = true;
        }
    }

    private void handle(MqttMessage m) {
        if (m.decoderResult().isFailure()) {
            throw new IllegalStateException(
                    "undecodable packet", m.decoderResult().cause());
        }
        MqttMessageType type = m.fixedHeader().messageType();
        switch (type) {
            case CONNACK -> connacks.add((MqttConnAckMessage) m);
            case SUBACK -> {
                MqttSubAckMessage s = (MqttSubAckMessage) m;
                subacks.put(s.variableHeader().messageId(), s.payload().reasonCodes());
            }
            case UNSUBACK -> acks.put(((MqttUnsubAckMessage) m).variableHeader().messageId(), m);
            case DISCONNECT ->
                disconnects.add(
                        m.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader h
                                ? h.reasonCode() & 0xFF
                                : 0);
            default -> {}
        }
        if (mode == Mode.MANUAL) {
            if (type != MqttMessageType.CONNACK && type != MqttMessageType.SUBACK) {
                packets.add(m);
            }
            return;
        }
        switch (type) {
            case PUBLISH -> received((MqttPublishMessage) m);
            case PUBACK, PUBCOMP -> acks.put(packetId(m), m);
            case PUBREC -> send(reply(MqttMessageType.PUBREL, packetId(m)));
            case PUBREL -> send(reply(MqttMessageType.PUBCOMP, packetId(m)));
            default -> {}
        }
    }

    private void received(MqttPublishMessage p) {
        byte[] payload = ByteBufUtil.getBytes(p.payload());
        p.release();
        MqttProperties props = p.variableHeader().properties();
        int qos = p.fixedHeader().qosLevel().value();
        messages.add(new Message(
                p.variableHeader().topicName(), payload, qos, p.fixedHeader().isRetain(), props));
        if (qos == 1) {
            puback(p.variableHeader().packetId());
        } else if (qos == 2) {
            send(reply(MqttMessageType.PUBREC, p.variableHeader().packetId()));
        }
    }

    /** The packet id of an acknowledgement packet. */
    public static int packetId(MqttMessage m) {
        if (m.variableHeader() instanceof MqttMessageIdVariableHeader h) {
            return h.messageId();
        }
        throw new IllegalArgumentException("no packet id in " + m);
    }

    private static MqttMessage reply(MqttMessageType type, int packetId) {
        MqttQoS qos = type == MqttMessageType.PUBREL ? MqttQoS.AT_LEAST_ONCE : MqttQoS.AT_MOST_ONCE;
        return new MqttMessage(
                new MqttFixedHeader(type, false, qos, false, 0), MqttMessageIdVariableHeader.from(packetId));
    }

    @Override
    public void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException e) {
            // nothing to do
        }
    }
}
