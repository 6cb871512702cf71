package dev.aichatroom.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy on a loopback port in front of the broker, for the service's connection only, that can be cut: while
 * cut it forwards nothing either way, neither bytes nor a close, and connects nothing new, as a network that
 * silently drops packets; what it read meanwhile is delivered when the cut heals, as TCP would retransmit it. Nothing
 * but loopback sockets of the bench's own is involved.
 */
final class CuttableProxy implements AutoCloseable {
    private final ServerSocket server;
    private final InetSocketAddress target;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final Object gate = new Object();
    private volatile boolean cut;
    /** Nothing from the broker is forwarded (the service's packets still are) while set. */
    private volatile boolean holdDown;

    private volatile boolean closed;

    CuttableProxy(Endpoint target) {
        this.target = new InetSocketAddress(target.host(), target.port());
        try {
            this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new BenchException("cannot listen on loopback for the proxy: " + e.getMessage(), e);
        }
        Thread.ofPlatform().daemon().name("proxy-accept").start(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    void cut() {
        cut = true;
    }

    /** Holds what the broker sends (acknowledgements, inputs); what the service sends still goes through. */
    void holdBrokerPackets() {
        holdDown = true;
    }

    /**
     * Resets every connection through the proxy, dropping what it held, and forwards normally again: what a network
     * device that loses a connection's state does. The service reconnects through the proxy.
     */
    void reset() {
        sockets.forEach(this::quietClose);
        holdDown = false;
        synchronized (gate) {
            gate.notifyAll();
        }
    }

    void heal() {
        synchronized (gate) {
            cut = false;
            gate.notifyAll();
        }
    }

    private void awaitOpen() throws InterruptedException {
        awaitOpen(false);
    }

    private void awaitOpen(boolean fromBroker) throws InterruptedException {
        synchronized (gate) {
            while ((cut || (fromBroker && holdDown)) && !closed) {
                gate.wait(100);
            }
        }
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                sockets.add(client);
                Thread.ofVirtual().start(() -> connect(client));
            } catch (IOException e) {
                if (!closed) {
                    Console.system().error("proxy: accept failed: " + e.getMessage());
                }
            }
        }
    }

    private void connect(Socket client) {
        Socket upstream = new Socket();
        try {
            awaitOpen();
            sockets.add(upstream);
            upstream.setTcpNoDelay(true);
            client.setTcpNoDelay(true);
            upstream.connect(target, 5_000);
        } catch (IOException | InterruptedException e) {
            quietClose(client);
            quietClose(upstream);
            return;
        }
        Thread.ofVirtual().start(() -> pump(client, upstream, false));
        pump(upstream, client, true);
    }

    private void pump(Socket from, Socket to, boolean fromBroker) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream()) {
            for (int n; ; ) {
                n = in.read(buffer);
                awaitOpen(fromBroker);
                if (n < 0 || from.isClosed()) {
                    break; // a reset while held: what was read is dropped
                }
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // one side went away: close both, once the cut (if any) heals
        } finally {
            try {
                awaitOpen();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            quietClose(from);
            quietClose(to);
        }
    }

    private void quietClose(Socket s) {
        sockets.remove(s);
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        closed = true;
        heal();
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        sockets.forEach(this::quietClose);
    }
}
