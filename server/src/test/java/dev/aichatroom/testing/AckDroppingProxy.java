package dev.aichatroom.testing;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on loopback in front of a broker that reads the MQTT packets the broker sends and, when asked, loses the
 * next acknowledgements of the client's publishes (PUBACK, PUBREC) and then cuts the connection: what a network that
 * fails right after the broker took a publish does to its sender. Every other packet, and everything the client
 * sends, passes unchanged; connections opened later pass untouched.
 */
public final class AckDroppingProxy implements AutoCloseable {
    private static final int PUBACK = 4;
    private static final int PUBREC = 5;

    private final ServerSocket server;
    private final int target;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicInteger toDrop = new AtomicInteger();
    private final AtomicInteger dropped = new AtomicInteger();

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
        toDrop.set(n);
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
                Thread.ofPlatform().daemon().name("ack-proxy-up").start(() -> copy(client, broker));
                Thread.ofPlatform().daemon().name("ack-proxy-down").start(() -> packets(broker, client));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void copy(Socket from, Socket to) {
        try (InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream()) {
            in.transferTo(out);
        } catch (IOException e) {
            // either side closed
        } finally {
            closeBoth(from, to);
        }
    }

    /** Broker to client, packet by packet (MQTT's fixed header: type, then the remaining length as a varint). */
    private void packets(Socket broker, Socket client) {
        try (DataInputStream in = new DataInputStream(broker.getInputStream());
                OutputStream out = client.getOutputStream()) {
            while (true) {
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
                int type = first >> 4;
                if ((type == PUBACK || type == PUBREC) && toDrop.get() > 0) {
                    dropped.incrementAndGet();
                    if (toDrop.decrementAndGet() == 0) {
                        return; // cut: both sockets closed below
                    }
                    continue;
                }
                out.write(header.toByteArray());
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
