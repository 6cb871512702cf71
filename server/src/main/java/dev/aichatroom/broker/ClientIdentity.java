package dev.aichatroom.broker;

/** An authenticated MQTT connection: its client id, the account it used and what kind of client it is. */
public record ClientIdentity(String clientId, String username, Kind kind) {
    public enum Kind {
        /** The product's own connection. */
        SERVICE,
        /** A configured account or a token the HTTP API issued. */
        ACCOUNT,
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
