package dev.aichatroom.testing;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on loopback in front of a broker that reads the MQTT packets both sides send and, when asked, either
 * loses the next acknowledgements of the client's publishes (PUBACK, PUBREC) and then cuts the connection (what a
 * network that fails right after the broker took a publish does to its sender), or loses the client's own PUBACKs and
 * cuts each of several connections in a row once it has lost a number of them (a broker that resets a client's
 * connection again and again right after it reconnected, before its acknowledgements arrived). Every other packet
 * passes unchanged; connections opened once a fault is over pass untouched.
 */
public final class AckDroppingProxy implements AutoCloseable {
    private static final int PUBACK = 4;
    private static final int PUBREC = 5;

    private final ServerSocket server;
    private final int target;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicInteger toDrop = new AtomicInteger();
    private final AtomicInteger dropped = new AtomicInteger();
    /** Whether the connection is cut once {@link #toDrop} acknowledgements were lost. */
    private volatile boolean cutAfterDropping;
    /** Connections still to be cut after losing the client's acknowledgements ({@link #loseClientAcksAndCut}). */
    private final AtomicInteger flapsLeft = new AtomicInteger();

    private volatile int clientAcksPerCut;
    private final AtomicInteger cuts = new AtomicInteger();
    private final AtomicInteger clientAcksLost = new AtomicInteger();
    private final Set<Link> links = ConcurrentHashMap.newKeySet();

    /** One proxied connection; {@code flapping} while its client's PUBACKs are lost. */
    private final class Link {
        final Socket client;
        final Socket broker;
        volatile boolean flapping;
        final AtomicInteger lost = new AtomicInteger();

        Link(Socket client, Socket broker) {
            this.client = client;
            this.broker = broker;
        }
    }

    public AckDroppingProxy(int brokerPort) {
        this.target = brokerPort;
        try {
            this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread.ofPlatform().daemon().name("ack-proxy-accept").start(this::accept);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Loses the next {@code n} PUBACKs or PUBRECs the broker sends, then closes that connection both ways. */
    public void dropAcknowledgementsThenCut(int n) {
        cutAfterDropping = true;
        toDrop.set(n);
    }

    /**
     * Loses the next {@code n} PUBACKs or PUBRECs the broker sends and keeps the connection up: the broker has routed
     * those publishes, their sender waits for an acknowledgement that never comes (until it crashes, say).
     */
    public void dropAcknowledgements(int n) {
        cutAfterDropping = false;
        toDrop.set(n);
    }

    /**
     * Loses the PUBACKs the client sends on the connection up now and on the next {@code connections - 1} ones, and
     * cuts each (both ways) once {@code perConnection} of them were lost there.
     */
    public void loseClientAcksAndCut(int perConnection, int connections) {
        clientAcksPerCut = perConnection;
        flapsLeft.set(connections - 1);
        links.forEach(l -> l.flapping = true);
    }

    /** How many connections {@link #loseClientAcksAndCut} cut so far. */
    public int cuts() {
        return cuts.get();
    }

    /** How many of the client's PUBACKs {@link #loseClientAcksAndCut} lost so far. */
    public int clientAcksLost() {
        return clientAcksLost.get();
    }

    /** How many acknowledgements were lost so far. */
    public int dropped() {
        return dropped.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket broker = new Socket(InetAddress.getLoopbackAddress(), target);
                client.setTcpNoDelay(true);
                broker.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(broker);
                Link link = new Link(client, broker);
                link.flapping = flapsLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
                links.add(link);
                Thread.ofPlatform().daemon().name("ack-proxy-up").start(() -> up(link));
                Thread.ofPlatform().daemon().name("ack-proxy-down").start(() -> packets(broker, client));
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Client to broker, packet by packet: a flapping link loses the client's PUBACKs and is cut after enough. */
    private void up(Link link) {
        try (DataInputStream in = new DataInputStream(link.client.getInputStream());
                OutputStream out = link.broker.getOutputStream()) {
            while (true) {
                byte[][] packet = readPacket(in);
                int type = (packet[0][0] & 0xff) >> 4;
                if (link.flapping && type == PUBACK) {
                    clientAcksLost.incrementAndGet();
                    if (link.lost.incrementAndGet() >= clientAcksPerCut) {
                        cuts.incrementAndGet();
                        return; // cut: both sockets closed below
                    }
                    continue;
                }
                out.write(packet[0]);
                out.write(packet[1]);
                out.flush();
            }
        } catch (IOException e) {
            // either side closed
        } finally {
            links.remove(link);
            closeBoth(link.client, link.broker);
        }
    }

    /** One MQTT packet: its fixed header (type, then the remaining length as a varint) and its body. */
    private static byte[][] readPacket(DataInputStream in) throws IOException {
        int first = in.readUnsignedByte();
        java.io.ByteArrayOutputStream header = new java.io.ByteArrayOutputStream();
        header.write(first);
        int length = 0;
        int shift = 0;
        int b;
        do {
            b = in.readUnsignedByte();
            header.write(b);
            length |= (b & 0x7f) << shift;
            shift += 7;
        } while ((b & 0x80) != 0);
        byte[] body = in.readNBytes(length);
        if (body.length < length) {
            throw new EOFException();
        }
        return new byte[][] {header.toByteArray(), body};
    }

    /** Broker to client, packet by packet (MQTT's fixed header: type, then the remaining length as a varint). */
    private void packets(Socket broker, Socket client) {
        try (DataInputStream in = new DataInputStream(broker.getInputStream());
                OutputStream out = client.getOutputStream()) {
            while (true) {
                byte[][] packet = readPacket(in);
                byte[] body = packet[1];
                int type = (packet[0][0] & 0xff) >> 4;
                if ((type == PUBACK || type == PUBREC) && toDrop.get() > 0) {
                    dropped.incrementAndGet();
                    if (toDrop.decrementAndGet() == 0 && cutAfterDropping) {
                        return; // cut: both sockets closed below
                    }
                    continue;
                }
                out.write(packet[0]);
                out.write(body);
                out.flush();
            }
        } catch (IOException e) {
            // either side closed
        } finally {
            closeBoth(broker, client);
        }
    }

    private void closeBoth(Socket a, Socket b) {
        for (Socket s : new Socket[] {a, b}) {
            try {
                s.close();
            } catch (IOException e) {
                // closed already
            }
            sockets.remove(s);
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closed already
        }
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException e) {
                // closed already
            }
        }
    }
}
