package dev.aichatroom.chat;

import dev.aichatroom.store.MessageStore;
import dev.aichatroom.store.StoreException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
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

    /** Most acknowledged inputs whose ledger entries wait to be forgotten; beyond, the oldest are forgotten early. */
    static final int MAX_UNCONFIRMED = 100_000;

    static final Duration SWEEP_EVERY = Duration.ofSeconds(30);

    /** The ledger entry of an input without a key: its hash, and the connection it came on (to be acknowledged on). */
    record Ledger(String inputHash, String connection) {}

    /**
     * A stored message whose publish failed, and what to do once it is marked.
     *
     * @param maybeSent the publish may have reached the broker before it failed (a connection lost while it was in
     *     flight), as opposed to refused before it was sent
     */
    record Pending(ChatMessage message, Runnable afterMark, Optional<Ledger> ledger, boolean maybeSent) {}

    /** @param queuedNanos when the broker's acknowledgement came (nanoTime) */
    private record Done(String messageId, Runnable afterMark, Optional<Ledger> ledger, long queuedNanos) {}

    /** How long what the broker has taken may wait for the chat worker before the outbox's thread marks it. */
    private static final Duration WORKER_GRACE = Duration.ofMillis(200);

    /** An input acknowledged on {@code ledger.connection()} at {@code ackedNanos}, its ledger entry kept until then. */
    private record Unconfirmed(String messageId, Ledger ledger, long ackedNanos) {}

    /** Capped exponential backoff with jitter: attempt n waits between half and all of min(cap, first × 2^n). */
    record Backoff(Duration first, Duration cap) {
        Duration delay(int attempt) {
            long ceiling = Math.min(cap.toMillis(), first.toMillis() << Math.min(attempt, 20));
            return Duration.ofMillis(ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1));
        }
    }

    private final MessageStore store;
    private final BooleanSupplier connected;
    private final Supplier<String> currentConnection;
    private final Duration confirmAfter;
    private final Consumer<String> mayComeAgain;
    private final Runnable republish;
    private final Runnable sweep;
    private final ArrayDeque<Unconfirmed> unconfirmed = new ArrayDeque<>();
    private final BlockingQueue<Done> done = new LinkedBlockingQueue<>();
    private final ConcurrentLinkedQueue<Pending> failed = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    /** Hands {@link #markDone} to the chat worker; false when it cannot take it (the outbox's thread marks then). */
    private final java.util.function.Predicate<Runnable> onWorker;
    /** Told the messages whose marking has just committed (the broker's copies of them may be acknowledged). */
    private final Consumer<List<String>> marked;
    /** A {@link #markDone} is queued on the worker and has not started yet. */
    private final java.util.concurrent.atomic.AtomicBoolean scheduled = new java.util.concurrent.atomic.AtomicBoolean();
    /** One marker at a time, so that inputs are acknowledged in the order the broker took their messages. */
    private final java.util.concurrent.locks.ReentrantLock marking = new java.util.concurrent.locks.ReentrantLock();

    private volatile boolean closing;

    /**
     * @param connected whether publishing can work now
     * @param currentConnection the connection inputs come on now, empty while there is none
     * @param confirmAfter how long an acknowledged input's connection must stay up before its acknowledgement is taken
     *     as having reached the broker (a connection that died silently is noticed within a few keep-alives)
     * @param mayComeAgain told the hash of an input without a key whose acknowledgement may not have reached the
     *     broker: its ledger entry stays, and a redelivery is looked up there
     * @param republish asks for the failed publishes to be tried again (they are taken with {@link #takeFailed()})
     * @param sweep asked every {@link #SWEEP_EVERY} to forget ledger entries whose inputs did not come again
     * @param onWorker runs the marking on the chat worker once no input has come for a moment (on the store's one
     *     connection, without waking a thread of its own for every PUBACK; an input that comes meanwhile has it done
     *     in its burst's transaction by {@link #markAlong}); false when the worker cannot take it
     * @param marked told, after each marking's commit, which messages it marked published
     */
    Outbox(
            MessageStore store,
            BooleanSupplier connected,
            Supplier<String> currentConnection,
            Duration confirmAfter,
            Consumer<String> mayComeAgain,
            Runnable republish,
            Runnable sweep,
            java.util.function.Predicate<Runnable> onWorker,
            Consumer<List<String>> marked) {
        this.onWorker = onWorker;
        this.marked = marked;
        this.store = store;
        this.connected = connected;
        this.currentConnection = currentConnection;
        this.confirmAfter = confirmAfter;
        this.mayComeAgain = mayComeAgain;
        this.republish = republish;
        this.sweep = sweep;
        this.thread = Thread.ofVirtual().name("chat-outbox").start(this::run);
    }

    /**
     * The broker has the message: mark it, then run {@code afterMark}.
     *
     * @param ledger the ledger entry of its input (acknowledged by {@code afterMark}): forgotten once the
     *     acknowledgement surely reached the broker, kept when it may not have (the input may come again)
     */
    void published(String messageId, Runnable afterMark, Optional<Ledger> ledger) {
        done.add(new Done(messageId, afterMark, ledger, System.nanoTime()));
        if (scheduled.compareAndSet(false, true) && !onWorker.test(this::markDone)) {
            scheduled.set(false); // the outbox's own thread marks it on its next round
        }
    }

    /**
     * Marks, in batches, what the broker has taken so far, then acknowledges the inputs, in the order the broker took
     * their messages. Runs on the chat worker, or on the outbox's thread when the worker did not take it in time.
     */
    private void markDone() {
        scheduled.set(false);
        marking.lock();
        try {
            while (!done.isEmpty()) {
                List<Done> batch = new ArrayList<>();
                done.drainTo(batch, BATCH);
                mark(batch);
            }
        } finally {
            marking.unlock();
        }
    }

    /**
     * A redelivered input whose ledger entry was claimed for the connection it came on again (message {@code
     * messageId}), about to be acknowledged there: the entry is kept until that connection has stayed up for the
     * confirm period, like that of an input acknowledged the first time, and its hash may come again if it goes first.
     */
    void redelivered(String messageId, Ledger ledger) {
        remember(messageId, ledger, currentConnection.get(), System.nanoTime());
    }

    /** Keeps the ledger entry of an input acknowledged (or about to be) on {@code ledger.connection()}. */
    private void remember(String messageId, Ledger ledger, String current, long now) {
        if (ledger.connection().equals(current)) {
            synchronized (unconfirmed) {
                unconfirmed.addLast(new Unconfirmed(messageId, ledger, now));
            }
        } else {
            // acknowledged on a connection that is gone: the broker hands the input over again
            mayComeAgain.accept(ledger.inputHash());
        }
    }

    /** Hashes of inputs acknowledged on a connection other than {@code current} and not yet known to be taken. */
    List<String> unconfirmedElsewhere(String current) {
        synchronized (unconfirmed) {
            return unconfirmed.stream()
                    .filter(u -> !u.ledger().connection().equals(current))
                    .map(u -> u.ledger().inputHash())
                    .toList();
        }
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
        long lastSweep = System.nanoTime();
        while (!(closing && done.isEmpty())) {
            try {
                Thread.sleep(closing ? 10 : WORKER_GRACE.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            Done oldest = done.peek();
            if (closing || (oldest != null && System.nanoTime() - oldest.queuedNanos() >= WORKER_GRACE.toNanos())) {
                markDone(); // the worker is stopping, or it has not come to it in time
            } else {
                forgetConfirmed();
            }
            if (System.nanoTime() - lastSweep > SWEEP_EVERY.toNanos()) {
                lastSweep = System.nanoTime();
                sweep.run();
            }
            if (!failed.isEmpty() && connected.getAsBoolean() && System.nanoTime() - lastRetry > 1_000_000_000L) {
                lastRetry = System.nanoTime();
                republish.run();
            }
        }
    }

    /**
     * The ledger entries of inputs acknowledged at least {@link #confirmAfter} ago on the connection that is still the
     * current one: that acknowledgement reached the broker, which will not hand the input over again. Those of inputs
     * acknowledged on a connection that is gone are kept (the acknowledgement may have been lost with it) and their
     * hashes reported. Takes them out of {@link #unconfirmed}.
     */
    private List<String> confirmed() {
        long now = System.nanoTime();
        String current = currentConnection.get();
        List<String> forget = new ArrayList<>();
        synchronized (unconfirmed) {
            for (Unconfirmed u; (u = unconfirmed.peekFirst()) != null; ) {
                boolean due = now - u.ackedNanos() >= confirmAfter.toNanos();
                if (!due && unconfirmed.size() <= MAX_UNCONFIRMED) {
                    break;
                }
                if (!due || u.ledger().connection().equals(current)) {
                    forget.add(u.messageId());
                } else {
                    mayComeAgain.accept(u.ledger().inputHash());
                }
                unconfirmed.pollFirst();
            }
        }
        return forget;
    }

    /** Between batches: forgets the ledger entries of what is confirmed. */
    private void forgetConfirmed() {
        List<String> forget = confirmed();
        if (forget.isEmpty()) {
            return;
        }
        try {
            store.markPublished(List.of(), forget);
        } catch (StoreException e) {
            LOG.warn("Cannot forget {} input ledger entries yet: {}", forget.size(), e.getMessage());
            // kept: a later redelivery would find them, a new identical input on a later connection too (rare)
        }
    }

    /**
     * Group commit (issue 13), on the chat worker: {@code store} stores the worker's burst of inputs with what the broker
     * has taken so far marked published (and the confirmed ledger entries forgotten) in the same transaction: its two
     * arguments. Those inputs are acknowledged once it returns. When it fails, they are marked on their own (trying
     * again like {@link #markDone}) and the failure is thrown, for the caller to try its burst again.
     */
    <T> T markAlong(java.util.function.BiFunction<List<String>, List<String>, T> store) {
        marking.lock();
        try {
            List<Done> batch = new ArrayList<>();
            done.drainTo(batch, BATCH);
            List<String> forget = confirmed();
            T result;
            try {
                result = store.apply(batch.stream().map(Done::messageId).toList(), forget);
            } catch (StoreException | dev.aichatroom.store.MessageStore.SessionTakenBack e) {
                mark(batch, forget);
                throw e;
            }
            acknowledge(batch);
            return result;
        } finally {
            marking.unlock();
        }
    }

    /** Marks a batch, trying again while the store fails; the inputs are acknowledged only after. */
    private void mark(List<Done> batch) {
        mark(batch, confirmed());
    }

    private void mark(List<Done> batch, List<String> forget) {
        if (batch.isEmpty() && forget.isEmpty()) {
            return;
        }
        List<String> ids = batch.stream().map(Done::messageId).toList();
        for (int attempt = 0; ; attempt++) {
            try {
                store.markPublished(ids, forget);
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
        acknowledge(batch);
    }

    /** After the marking's commit: keeps the ledger entries, then acknowledges the inputs, in order. */
    private void acknowledge(List<Done> batch) {
        if (!batch.isEmpty()) {
            marked.accept(batch.stream().map(Done::messageId).toList());
        }
        String current = currentConnection.get();
        long now = System.nanoTime();
        for (Done d : batch) {
            // kept before the acknowledgement: at every moment the input is unacknowledged or unconfirmed, so a new
            // connection's first input never misses it among the suspects
            d.ledger().ifPresent(l -> remember(d.messageId(), l, current, now));
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
