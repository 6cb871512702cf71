package dev.aichatroom.web;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which browser owns which MQTT client id, where browsers log in with tokens. The first browser to ask for a token for
 * an id owns it while it keeps asking (within {@link #HOLD} of its last token); another browser is refused, so nobody
 * can take over someone else's connection or speak as their device. A browser is known by an opaque owner key (a
 * random value in an HttpOnly cookie). Ids nobody claimed through tokens (accounts from the configuration) have no
 * owner.
 */
public final class ClientIdOwners {
    /** How long an id stays its owner's after the owner's last token. */
    static final Duration HOLD = Duration.ofHours(24);
    /** Claims kept at most; beyond it the stalest tenth goes (the per-IP token limit keeps this far off). */
    static final int MAX_CLAIMS = 200_000;

    private record Claim(String owner, Instant lastIssued) {}

    private final Map<String, Claim> claims = new ConcurrentHashMap<>();
    private final Clock clock;

    public ClientIdOwners(Clock clock) {
        this.clock = clock;
    }

    /**
     * Claims {@code clientId} for {@code owner}, or renews its claim.
     *
     * @return false when another owner holds the id
     */
    public boolean claim(String clientId, String owner) {
        Instant now = clock.instant();
        Claim result = claims.compute(
                clientId,
                (id, held) -> held == null
                                || held.owner.equals(owner)
                                || held.lastIssued.plus(HOLD).isBefore(now)
                        ? new Claim(owner, now)
                        : held);
        if (claims.size() > MAX_CLAIMS) {
            sweep(now);
        }
        return result.owner.equals(owner);
    }

    /** The owner of a client id, while its claim holds. */
    public Optional<String> ownerOf(String clientId) {
        Claim claim = claims.get(clientId);
        return claim == null || claim.lastIssued.plus(HOLD).isBefore(clock.instant())
                ? Optional.empty()
                : Optional.of(claim.owner);
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
        claims.values().removeIf(c -> c.lastIssued.plus(HOLD).isBefore(now));
        int keep = MAX_CLAIMS * 9 / 10; // room for the next claims before another sweep
        if (claims.size() > keep) {
            claims.entrySet().stream()
                    .sorted(Map.Entry.comparingByValue((a, b) -> a.lastIssued.compareTo(b.lastIssued)))
                    .limit(claims.size() - keep)
                    .map(Map.Entry::getKey)
                    .toList()
                    .forEach(claims::remove);
        }
    }
}
