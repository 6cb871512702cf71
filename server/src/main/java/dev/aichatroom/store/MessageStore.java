package dev.aichatroom.store;

import java.util.List;
import java.util.Optional;

/** Message history. Implementations are safe for concurrent use. */
public interface MessageStore extends AutoCloseable {
    /**
     * Stores a message once.
     *
     * @return false when a message with the same dedupe key is already stored (nothing is written)
     */
    boolean append(StoredMessage message);

    /**
     * The outbox: stores a message as not yet published on {@code messages/out}, owned by {@code instance} (the MQTT
     * client id of the instance that will publish it). With {@code ledger}, also records in the same transaction that
     * the input it came from (which carried no key) is stored and not yet acknowledged.
     *
     * @return false when a message with the same id or dedupe key is already stored (nothing is written)
     */
    boolean appendUnpublished(StoredMessage message, String instance, Optional<LedgerEntry> ledger);

    /**
     * One message for the outbox, with the ledger entry of its input when that input carried no key, and, for an input
     * taken from a dead instance's broker session (decision 0043), the fence that stores it only while that instance
     * has not taken its session back ({@link #sessionTakenBack}).
     */
    record Unpublished(StoredMessage message, Optional<LedgerEntry> ledger, Optional<Fence> fence) {
        public Unpublished(StoredMessage message, Optional<LedgerEntry> ledger) {
            this(message, ledger, Optional.empty());
        }
    }

    /**
     * The broker session of {@code instance} as a drain found it: its {@link #sessionGeneration} read before the drain
     * connected as that instance (decision 0047).
     */
    record Fence(String instance, long generation) {}

    /**
     * A batch held an input fenced by {@link Fence} whose instance has taken its broker session back since: nothing of
     * the batch was written (the whole transaction is rolled back), and those inputs are the instance's again.
     */
    final class SessionTakenBack extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final java.util.Set<String> instances;

        public SessionTakenBack(java.util.Set<String> instances) {
            super("broker session taken back by " + instances, null, false, false);
            this.instances = java.util.Set.copyOf(instances);
        }

        public java.util.Set<String> instances() {
            return instances;
        }
    }

    /** The generation of {@code instance}'s broker session now (0 for an instance the store does not know). */
    long sessionGeneration(String instance);

    /**
     * {@code instance} has connected to the broker (again): moves its session generation on and returns the input
     * ledger's hashes ({@link #ledgerHashes}) as they are once no drain of it can store anything more. A drain's batch
     * that checked the old generation commits before this reads; one that checks after it finds the new generation
     * and stores nothing ({@link SessionTakenBack}).
     */
    java.util.Set<String> sessionTakenBack(String instance);

    /**
     * Group commit: stores each message as {@link #appendUnpublished(StoredMessage, String, Optional)} does, all in one
     * transaction (all or none), so that a burst of inputs costs one commit instead of one each.
     *
     * @return for each message, in order, whether it was stored (false: its id or dedupe key was already there, also
     *     earlier in the same batch)
     */
    List<Boolean> appendUnpublished(List<Unpublished> batch, String instance);

    /**
     * Group commit with the outbox's marking: marks {@code published} published and forgets the ledger entries of
     * {@code acknowledging} ({@link #markPublished}) and stores {@code batch} ({@link #appendUnpublished(List, String)}),
     * all in one transaction (all or none): a burst of inputs and the marking of the burst before cost one commit.
     */
    List<Boolean> appendUnpublished(
            List<Unpublished> batch,
            String instance,
            java.util.Collection<String> published,
            java.util.Collection<String> acknowledging);

    /**
     * An input stored but not yet acknowledged, so that the broker's redelivery of it is not taken twice.
     *
     * @param inputHash the input's topic and payload, hashed
     * @param connection the service connection that delivered it: a redelivery comes on a later one
     */
    record LedgerEntry(String inputHash, String connection, long createdMillis) {}

    /** The input hashes in the ledger now (inputs stored and not known to be acknowledged). */
    java.util.Set<String> ledgerHashes();

    /** The messages of {@code instance} stored but not marked published, oldest first. */
    List<StoredMessage> unpublished(String instance);

    /**
     * Records, by the database's clock, that {@code instance} is alive and publishes its own unpublished messages. Waits
     * while another instance is taking this one's over ({@link #takeOver}): an instance calls it before it reads its
     * own unpublished messages at start, so a message is never both taken over and republished by its owner.
     */
    void heartbeat(String instance);

    /** Messages another instance stored and had not seen published, now owned by the one that took them over. */
    record Takeover(String from, List<StoredMessage> messages) {}

    /**
     * Takes over the unpublished messages of every other instance that has not recorded a {@link #heartbeat} for
     * {@code timeout} (an instance seen here for the first time gets that long from now): from now on they are {@code
     * taker}'s, oldest first. One transaction per instance, which holds that instance's record locked.
     */
    List<Takeover> takeOver(String taker, java.time.Duration timeout);

    /**
     * Claims, until {@code lease} from now, the broker sessions of the other instances that have not recorded a {@link
     * #heartbeat} for {@code timeout} and that nobody claims now: {@code taker} drains each (decision 0043) and then
     * calls {@link #drained}. A heartbeat of the instance clears its claim.
     *
     * @return the instances (their MQTT client ids), in name order
     */
    List<String> claimDrains(String taker, java.time.Duration timeout, java.time.Duration lease);

    /**
     * Forgets {@code instance} once its broker session is drained and ended, unless it recorded a {@link #heartbeat}
     * within {@code timeout} meanwhile (it came back).
     *
     * @return whether it was forgotten
     */
    boolean drained(String instance, java.time.Duration timeout);

    /**
     * Marks messages published and forgets the ledger entries of {@code acknowledging} (inputs whose acknowledgement
     * surely reached the broker), in one transaction. Either may be empty.
     */
    void markPublished(java.util.Collection<String> messageIds, java.util.Collection<String> acknowledging);

    /**
     * Claims one ledger entry for {@code inputHash} recorded on another connection than {@code connection}: it is
     * recorded on {@code connection} from now ({@code nowMillis}) and kept, since the acknowledgement of this copy may be
     * lost with {@code connection} too, and the broker hands the input over once more (decision 0027).
     *
     * @return the id of the message stored for the input when there was one: the input is a redelivery
     */
    Optional<String> claimRedelivery(String inputHash, String connection, long nowMillis);

    /**
     * Forgets ledger entries recorded before {@code beforeMillis} on connections whose names start with
     * {@code connectionPrefix} (one instance's: other instances' entries wait for their own redeliveries).
     *
     * @return how many
     */
    int forgetLedgerBefore(long beforeMillis, String connectionPrefix);

    /** Up to {@code limit} messages of a room, oldest first, all older than {@code before} when given. */
    List<StoredMessage> history(String room, Optional<String> beforeMessageId, int limit);

    /** Every room that has history. */
    List<String> rooms();

    /** Room members kept in the same database, for instances that share rooms (CHAT_SHARED_GROUP). */
    MemberStore members();

    /** Which browser owns which MQTT client id, kept in the same database. */
    ClaimStore claims();

    /** The MCP servers the instances saw announce themselves, kept in the same database. */
    McpServerStore mcpServers();

    /** Whether the store answers right now. */
    boolean isHealthy();

    @Override
    void close();
}
