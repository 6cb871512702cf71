package dev.aichatroom.chat;

import dev.aichatroom.store.MessageStore;
import dev.aichatroom.store.StoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbox's second half (docs/decisions/0009-outbox-and-flow-control.md): messages the broker has taken are
 * marked published in the store in batches (one transaction for whatever arrived meanwhile), and only then are their
 * inputs acknowledged. Publishes that failed wait here until the connection is back.
 */
final class Outbox implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);
    private static final int BATCH = 500;
    private static final Backoff RETRY = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5));

    /** A stored message whose publish failed, and what to do once it is marked. */
    record Pending(ChatMessage message, Runnable afterMark, boolean forgetLedger) {}

    private record Done(String messageId, Runnable afterMark, boolean forgetLedger) {}

    /** Capped exponential backoff with jitter: attempt n waits between half and all of min(cap, first × 2^n). */
    record Backoff(Duration first, Duration cap) {
        Duration delay(int attempt) {
            long ceiling = Math.min(cap.toMillis(), first.toMillis() << Math.min(attempt, 20));
            return Duration.ofMillis(ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1));
        }
    }

    private final MessageStore store;
    private final BooleanSupplier connected;
    private final Runnable republish;
    private final BlockingQueue<Done> done = new LinkedBlockingQueue<>();
    private final ConcurrentLinkedQueue<Pending> failed = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean closing;

    /**
     * @param connected whether publishing can work now
     * @param republish asks for the failed publishes to be tried again (they are taken with {@link #takeFailed()})
     */
    Outbox(MessageStore store, BooleanSupplier connected, Runnable republish) {
        this.store = store;
        this.connected = connected;
        this.republish = republish;
        this.thread = Thread.ofVirtual().name("chat-outbox").start(this::run);
    }

    /**
     * The broker has the message: mark it, then run {@code afterMark}.
     *
     * @param forgetLedger forget its input's ledger entry in the same transaction (the input is acknowledged next)
     */
    void published(String messageId, Runnable afterMark, boolean forgetLedger) {
        done.add(new Done(messageId, afterMark, forgetLedger));
    }

    void failed(Pending pending) {
        failed.add(pending);
    }

    /** The failed publishes, oldest first, taken out. */
    List<Pending> takeFailed() {
        List<Pending> taken = new ArrayList<>();
        for (Pending p; (p = failed.poll()) != null; ) {
            taken.add(p);
        }
        taken.sort(java.util.Comparator.comparing(p -> p.message().messageId())); // UUIDv7: in order of storing
        return taken;
    }

    private void run() {
        long lastRetry = System.nanoTime();
        while (!(closing && done.isEmpty())) {
            Done first;
            try {
                first = done.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (first != null) {
                List<Done> batch = new ArrayList<>();
                batch.add(first);
                done.drainTo(batch, BATCH - 1);
                mark(batch);
            }
            if (!failed.isEmpty() && connected.getAsBoolean() && System.nanoTime() - lastRetry > 1_000_000_000L) {
                lastRetry = System.nanoTime();
                republish.run();
            }
        }
    }

    /** Marks a batch, trying again while the store fails; the inputs are acknowledged only after. */
    private void mark(List<Done> batch) {
        List<String> ids = batch.stream().map(Done::messageId).toList();
        for (int attempt = 0; ; attempt++) {
            try {
                store.markPublished(
                        ids,
                        batch.stream()
                                .filter(Done::forgetLedger)
                                .map(Done::messageId)
                                .toList());
                if (attempt > 0) {
                    LOG.info("Marked {} message(s) published after {} attempt(s)", ids.size(), attempt + 1);
                }
                break;
            } catch (StoreException e) {
                if (attempt == 0) {
                    LOG.warn("Cannot mark {} message(s) published yet: {}", ids.size(), e.getMessage());
                }
                if (closing && attempt >= 3) {
                    return; // not acknowledged: the inputs come back, their messages are republished at start
                }
                try {
                    Thread.sleep(RETRY.delay(attempt));
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
        for (Done d : batch) {
            try {
                d.afterMark().run();
            } catch (RuntimeException e) {
                LOG.warn("Acknowledging the input of {} failed: {}", d.messageId(), e.toString());
            }
        }
    }

    /** Marks what the broker has taken so far (for at most 5 s), then stops. */
    @Override
    public void close() {
        closing = true;
        try {
            if (!thread.join(Duration.ofSeconds(5))) {
                thread.interrupt();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
