package dev.aichatroom.voice;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace with a veth pair to this one, for WebRTC tests: libwebrtc gathers no candidates on loopback, so
 * the device side lives in the namespace ({@code 10.231.N.2}) and reaches the product through the veth ({@code
 * 10.231.N.1}). Needs root and iproute2; removed on close. {@link #enter()} moves the calling platform thread into the
 * namespace: threads it creates afterwards (WebRTC's network thread) stay there.
 */
final class NetNs implements AutoCloseable {
    /** The libc calls {@link #enter()} needs (Vosk's JNA is on the classpath anyway). */
    interface LibC extends Library {
        int open(String path, int flags);

        int setns(int fd, int nstype);

        int close(int fd);
    }

    private static final int CLONE_NEWNET = 0x40000000;
    final String name;
    final String hostAddress;
    final String deviceAddress;
    private final String hostLink;

    private NetNs(int n) {
        name = "voice-it-" + ProcessHandle.current().pid() + "-" + n;
        hostLink = "vit" + n + "a";
        hostAddress = "10.231." + n + ".1";
        deviceAddress = "10.231." + n + ".2";
    }

    static boolean available() {
        return "root".equals(System.getProperty("user.name"))
                && (Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip")));
    }

    static NetNs create() {
        NetNs ns = new NetNs(ThreadLocalRandom.current().nextInt(1, 250));
        String peer = "vit" + ns.hostLink.substring(3, ns.hostLink.length() - 1) + "b";
        ns.run("ip", "netns", "add", ns.name);
        try {
            ns.run("ip", "link", "add", ns.hostLink, "type", "veth", "peer", "name", peer);
            ns.run("ip", "link", "set", peer, "netns", ns.name);
            ns.run("ip", "addr", "add", ns.hostAddress + "/30", "dev", ns.hostLink);
            ns.run("ip", "link", "set", ns.hostLink, "up");
            ns.run("ip", "-n", ns.name, "addr", "add", ns.deviceAddress + "/30", "dev", peer);
            ns.run("ip", "-n", ns.name, "link", "set", peer, "up");
            ns.run("ip", "-n", ns.name, "link", "set", "lo", "up");
        } catch (RuntimeException e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    /** Moves the calling platform thread into the namespace. */
    void enter() {
        LibC c = Native.load("c", LibC.class);
        int fd = c.open("/var/run/netns/" + name, 0);
        if (fd < 0 || c.setns(fd, CLONE_NEWNET) != 0) {
            throw new IllegalStateException("cannot enter network namespace " + name);
        }
        c.close(fd);
    }

    private void run(String... command) {
        try {
            Process p = new ProcessBuilder(List.of(command))
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            run("ip", "netns", "del", name); // takes the veth pair with it
        } catch (IllegalStateException e) {
            // already gone
        }
        try {
            run("ip", "link", "del", hostLink);
        } catch (IllegalStateException e) {
            // removed with the namespace
        }
    }
}
