package dev.aichatroom.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the certificate and key files and hands a renewed identity to the listeners that serve it (HTTPS, the
 * broker's TLS listeners), so a certificate renewed by an ACME client is served without a restart. A change is taken
 * once the files have stopped changing for one interval (an ACME client writes both); files that cannot be used are
 * reported once and the current certificate is kept.
 */
public final class CertificateReloader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CertificateReloader.class);

    private final List<Consumer<TlsIdentity>> listeners;
    private final ScheduledExecutorService timer;
    private volatile TlsIdentity current;
    private List<Object> served;
    private List<Object> pending;

    /**
     * @param listeners each gets every renewed identity; one that throws is logged and the others still get it
     */
    public CertificateReloader(TlsIdentity identity, Duration interval, List<Consumer<TlsIdentity>> listeners) {
        this.current = identity;
        this.listeners = List.copyOf(listeners);
        this.served = stamps(identity.files());
        this.timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("tls-reload").daemon(true).factory());
        timer.scheduleWithFixedDelay(this::check, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void check() {
        List<Object> now = stamps(current.files());
        if (now.equals(served)) {
            pending = null;
            return;
        }
        if (!now.equals(pending)) {
            pending = now; // still being written, perhaps: look again next time
            return;
        }
        served = now;
        pending = null;
        TlsIdentity renewed;
        try {
            renewed = current.reload();
        } catch (TlsException e) {
            LOG.warn("TLS files changed but cannot be used ({}); still serving {}", e.getMessage(), current.describe());
            return;
        }
        for (Consumer<TlsIdentity> listener : listeners) {
            try {
                listener.accept(renewed);
            } catch (RuntimeException e) {
                LOG.warn("A TLS listener did not take the renewed certificate: {}", e.getMessage());
            }
        }
        current = renewed;
        LOG.info("TLS certificate reloaded: {}", renewed.describe());
    }

    /** The identity being served. */
    public TlsIdentity current() {
        return current;
    }

    /** What identifies a version of each file: modification time and size (missing: null). */
    private static List<Object> stamps(List<Path> files) {
        List<Object> stamps = new ArrayList<>();
        for (Path file : files) {
            try {
                stamps.add(Files.getLastModifiedTime(file).toMillis());
                stamps.add(Files.size(file));
            } catch (IOException e) {
                stamps.add(null);
                stamps.add(null);
            }
        }
        return stamps;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
