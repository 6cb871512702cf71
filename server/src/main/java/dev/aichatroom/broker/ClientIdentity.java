package dev.aichatroom.broker;

/** An authenticated MQTT connection: its client id, the account it used and what kind of client it is. */
public record ClientIdentity(String clientId, String username, Kind kind) {
    public enum Kind {
        /** The product's own connection. */
        SERVICE,
        /** A configured account. */
        ACCOUNT,
        /** A token the HTTP API issued for one client id. */
        TOKEN,
        /** No credentials; allowed only while the broker listens on loopback. */
        ANONYMOUS
    }

    public boolean isService() {
        return kind == Kind.SERVICE;
    }

    public boolean isAuthenticated() {
        return kind != Kind.ANONYMOUS;
    }
}
