package dev.aichatroom.voice;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every 10 ms, sends each session's next frame of reply audio (or silence) into its peer connection: WebRTC's custom
 * audio source expects a steady 10 ms cadence. One platform thread for all sessions; a late tick catches up at most
 * 100 ms and then resynchronises. With no session listening the thread sleeps without a timer: an idle product does
 * not wake up 100 times a second.
 */
final class AudioClock implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AudioClock.class);
    private static final long TICK = TimeUnit.MILLISECONDS.toNanos(10);

    /** Something that wants a frame every tick. */
    interface Listener {
        void tick();
    }

    private final CopyOnWriteArrayList<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    AudioClock() {
        thread = Thread.ofPlatform().name("voice-audio-clock").daemon(true).start(this::run);
    }

    void add(Listener l) {
        listeners.add(l);
        LockSupport.unpark(thread);
    }

    void remove(Listener l) {
        listeners.remove(l);
    }

    private void run() {
        long next = System.nanoTime();
        while (running) {
            if (listeners.isEmpty()) {
                LockSupport.park(this); // add() or close() wakes it
                next = System.nanoTime();
                continue;
            }
            for (Listener l : listeners) {
                try {
                    l.tick();
                } catch (RuntimeException e) {
                    LOG.warn("Audio tick failed: {}", e.toString());
                }
            }
            next += TICK;
            long now = System.nanoTime();
            if (now - next > 10 * TICK) {
                next = now;
            }
            LockSupport.parkNanos(next - now);
        }
    }

    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
