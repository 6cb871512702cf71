package dev.aichatroom.store;

import java.util.List;

/**
 * Which browser owns which MQTT client id, kept across restarts ({@code dev.aichatroom.web.ClientIdOwners} holds the
 * rules and the live copy). Safe for concurrent use; every method may throw {@link StoreException}.
 */
public interface ClaimStore {
    /**
     * One claim.
     *
     * @param ownerHash the owner as the store keeps it: a hash, never the browser's cookie
     * @param lastIssuedMillis when the owner last got a token for the id (epoch milliseconds)
     */
    record Claim(String clientId, String ownerHash, long lastIssuedMillis) {}

    /** The claims renewed at or after {@code sinceMillis}. */
    List<Claim> since(long sinceMillis);

    /** Stores a claim, unless the store holds a newer one for its id (so late writes never roll a claim back). */
    void save(Claim claim);

    /**
     * Forgets the claims last renewed before {@code beforeMillis}.
     *
     * @return how many
     */
    int removeBefore(long beforeMillis);
}
