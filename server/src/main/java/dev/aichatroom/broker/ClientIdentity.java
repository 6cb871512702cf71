package dev.aichatroom.broker;

import java.util.Set;
import javax.security.auth.Subject;

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

    /**
     * The identity {@link BrokerSecurity} admitted the subject with, or null. Read on every message sent: it walks the
     * subject's credentials in place where {@link Subject#getPublicCredentials(Class)} copies them into a new set (issue
     * 13). Under the set's lock, as that copy does.
     */
    public static ClientIdentity of(Subject subject) {
        if (subject == null) {
            return null;
        }
        Set<Object> credentials = subject.getPublicCredentials();
        synchronized (credentials) {
            for (Object credential : credentials) {
                if (credential instanceof ClientIdentity who) {
                    return who;
                }
            }
        }
        return null;
    }

    public boolean isService() {
        return kind == Kind.SERVICE;
    }

    public boolean isAuthenticated() {
        return kind != Kind.ANONYMOUS;
    }
}
