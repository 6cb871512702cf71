package dev.aichatroom.web;

import dev.aichatroom.store.ClaimStore;
import dev.aichatroom.store.StoreException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which browser owns which MQTT client id, where browsers log in with tokens. The first browser to ask for a token for
 * an id owns it while it keeps asking (within {@link #HOLD} of its last token); another browser is refused, so nobody
 * can take over someone else's connection or speak as their device. A browser is known by an opaque owner key (a
 * digest of a random value in an HttpOnly cookie). Ids nobody claimed through tokens (accounts from the
 * configuration) have no owner.
 *
 * <p>Claims live in memory and in a {@link ClaimStore}: a restart reads them back, so that it does not hand a page's
 * id to whoever asks first while the page reconnects. A store that fails costs persistence only: claims keep working
 * in memory, and the log says so once until the store works again.
 */
public final class ClientIdOwners {
    private static final Logger LOG = LoggerFactory.getLogger(ClientIdOwners.class);
    /** How long an id stays its owner's after the owner's last token. */
    static final Duration HOLD = Duration.ofHours(24);
    /** Claims kept at most; beyond it the stalest tenth goes (the per-IP token limit keeps this far off). */
    static final int MAX_CLAIMS = 200_000;
    /** A renewal by the same owner is written at most this often: against a day's hold, an hour's lag is nothing. */
    static final Duration SAVE_EVERY = Duration.ofHours(1);

    private record Claim(String owner, Instant lastIssued, Instant lastSaved) {}

    private final Map<String, Claim> claims = new ConcurrentHashMap<>();
    private final Clock clock;
    private final Optional<ClaimStore> store;
    private final AtomicBoolean storeFailing = new AtomicBoolean();

    /** Claims in memory only. */
    public ClientIdOwners(Clock clock) {
        this.clock = clock;
        this.store = Optional.empty();
    }

    /** Claims kept in {@code store} too; reads back those that still hold. */
    public ClientIdOwners(Clock clock, ClaimStore store) {
        this.clock = clock;
        this.store = Optional.of(store);
        Instant now = clock.instant();
        long since = now.minus(HOLD).toEpochMilli();
        try {
            int lapsed = store.removeBefore(since);
            List<ClaimStore.Claim> held = store.since(since);
            held.stream()
                    .sorted((a, b) -> Long.compare(b.lastIssuedMillis(), a.lastIssuedMillis()))
                    .limit(MAX_CLAIMS)
                    .forEach(c -> {
                        Instant issued = Instant.ofEpochMilli(c.lastIssuedMillis());
                        claims.put(c.clientId(), new Claim(c.ownerHash(), issued, issued));
                    });
            LOG.info("Client-id claims: {} read back, {} lapsed ones forgotten", claims.size(), lapsed);
        } catch (StoreException e) {
            storeFailed(e);
        }
    }

    /**
     * Claims {@code clientId} for {@code owner}, or renews its claim.
     *
     * @return false when another owner holds the id
     */
    public boolean claim(String clientId, String owner) {
        Instant now = clock.instant();
        Claim result = claims.compute(clientId, (id, held) -> {
            if (held != null && held.owner.equals(owner)) {
                return new Claim(owner, now, held.lastSaved);
            }
            return held == null || lapsed(held, now) ? new Claim(owner, now, Instant.MIN) : held;
        });
        if (!result.owner.equals(owner)) {
            return false;
        }
        if (store.isPresent() && !result.lastSaved.plus(SAVE_EVERY).isAfter(now)) {
            save(clientId, result, now);
        }
        if (claims.size() > MAX_CLAIMS) {
            sweep(now);
        }
        return true;
    }

    private void save(String clientId, Claim claim, Instant now) {
        try {
            store.orElseThrow().save(new ClaimStore.Claim(clientId, claim.owner, claim.lastIssued.toEpochMilli()));
            claims.computeIfPresent(
                    clientId, (id, c) -> c.owner.equals(claim.owner) ? new Claim(c.owner, c.lastIssued, now) : c);
            if (storeFailing.compareAndSet(true, false)) {
                LOG.info("Client-id claims are stored again");
            }
        } catch (StoreException e) {
            storeFailed(e);
        }
    }

    private void storeFailed(StoreException e) {
        if (storeFailing.compareAndSet(false, true)) {
            LOG.warn("Client-id claims hold in memory only, a restart forgets them: {}", e.getMessage());
        }
    }

    private static boolean lapsed(Claim claim, Instant now) {
        return claim.lastIssued.plus(HOLD).isBefore(now);
    }

    /** The owner of a client id, while its claim holds. */
    public Optional<String> ownerOf(String clientId) {
        Claim claim = claims.get(clientId);
        return claim == null || lapsed(claim, clock.instant()) ? Optional.empty() : Optional.of(claim.owner);
    }

    /**
     * Whether two client ids speak for the same party: both owned by one browser, or neither claimed by a browser
     * (configured accounts, anonymous clients on a single-user machine).
     */
    public boolean sameOwner(String clientId, String otherClientId) {
        return Objects.equals(
                ownerOf(clientId).orElse(null), ownerOf(otherClientId).orElse(null));
    }

    private void sweep(Instant now) {
        claims.values().removeIf(c -> lapsed(c, now));
        int keep = MAX_CLAIMS * 9 / 10; // room for the next claims before another sweep
        if (claims.size() > keep) {
            claims.entrySet().stream()
                    .sorted(Map.Entry.comparingByValue((a, b) -> a.lastIssued.compareTo(b.lastIssued)))
                    .limit(claims.size() - keep)
                    .map(Map.Entry::getKey)
                    .toList()
                    .forEach(claims::remove);
        }
        store.ifPresent(s -> {
            try {
                s.removeBefore(now.minus(HOLD).toEpochMilli());
            } catch (StoreException e) {
                storeFailed(e);
            }
        });
    }
}
