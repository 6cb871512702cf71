package dev.aichatroom.broker;

/** An extra way in, besides the configured accounts: for example short-lived tokens the HTTP API signs. */
@FunctionalInterface
public interface Authenticator {
    /**
     * @param firstTime false when the broker re-checks a connection it already let in (the broker asks again on
     *     every authorization); an expiring credential should only be checked for expiry the first time
     */
    boolean accepts(String clientId, String username, String password, boolean firstTime);
}
