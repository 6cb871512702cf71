package dev.aichatroom.broker;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.security.auth.Subject;
import org.apache.activemq.artemis.core.security.CheckType;
import org.apache.activemq.artemis.core.security.Role;
import org.apache.activemq.artemis.spi.core.protocol.RemotingConnection;
import org.apache.activemq.artemis.spi.core.security.ActiveMQSecurityManager5;
import org.apache.activemq.artemis.spi.core.security.jaas.UserPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authentication and per-topic authorization for the embedded broker. Artemis asks {@link #authenticate} on connect
 * and again before each authorization (its caches are off, so every decision sees the connection's own client id);
 * the identity of a connection already admitted, with the same client id and credentials, is answered from memory.
 */
final class BrokerSecurity implements ActiveMQSecurityManager5 {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerSecurity.class);

    private final String serviceUsername;
    private final String servicePassword;
    private final Map<String, String> accounts;
    private final ClientIdRules clientIds;
    private final boolean anonymousAllowed;
    private final List<Authenticator> authenticators;
    private final AccessPolicy policy;
    private final ClientListener clients;
    /** Connections admitted, by id, with the identity they were admitted as. */
    private final Map<Object, Admitted> admittedConnections = new ConcurrentHashMap<>();

    /**
     * What a connection was admitted with. Artemis asks {@link #authenticate} again before every authorization (every
     * publish): for the same client id and credentials the answer is the same subject (a token is not checked for expiry
     * after the first time), so it is kept instead of computed again (a browser token's HMAC per publish, issue 13).
     */
    private record Admitted(String clientId, String user, String password, Subject subject) {
        boolean same(String otherClientId, String otherUser, String otherPassword) {
            return clientId.equals(otherClientId)
                    && java.util.Objects.equals(user, otherUser)
                    && java.util.Objects.equals(password, otherPassword);
        }
    }

    private final ListenerGuard guard;

    BrokerSecurity(
            String serviceUsername,
            String servicePassword,
            BrokerConfig config,
            List<Authenticator> authenticators,
            AccessPolicy policy,
            ClientListener clients,
            ListenerGuard guard) {
        this.guard = guard;
        this.serviceUsername = serviceUsername;
        this.servicePassword = servicePassword;
        this.accounts = config.accounts();
        this.clientIds = config.clientIds();
        this.anonymousAllowed = config.anonymousAllowed();
        this.authenticators = List.copyOf(authenticators);
        this.policy = policy;
        this.clients = clients;
    }

    @Override
    public Subject authenticate(String user, String password, RemotingConnection connection, String securityDomain) {
        String clientId = connection == null || connection.getClientID() == null ? "" : connection.getClientID();
        Admitted admitted = connection == null ? null : admittedConnections.get(connection.getID());
        if (admitted != null && admitted.same(clientId, user, password)) {
            return admitted.subject();
        }
        boolean firstTime = admitted == null;
        ClientIdentity.Kind kind = identify(clientId, user, password, firstTime);
        if (kind == null) {
            if (firstTime) {
                LOG.info("MQTT client '{}' refused: bad or missing credentials (user '{}')", clientId, user);
                guard.loginFailed(connection);
            }
            return null;
        }
        ClientIdentity who = new ClientIdentity(clientId, user == null ? "" : user, kind);
        if (firstTime) {
            Optional<String> refusal = policy.clientIdRefusal(who).or(() -> ownership(who));
            if (refusal.isPresent()) {
                LOG.info("MQTT client '{}' refused: {}", clientId, refusal.get());
                // CONNACK 0x86 (3.1.1: 0x05), before the broker would take over a session. Artemis' path for 0x85
                // (InvalidClientIdException) closes the connection before the CONNACK is sent.
                return null;
            }
            Optional<String> limited = guard.admit(connection, kind == ClientIdentity.Kind.SERVICE);
            if (limited.isPresent()) {
                LOG.info("MQTT client '{}' refused: {}", clientId, limited.get());
                return null;
            }
        }
        Subject subject = new Subject();
        subject.getPrincipals().add(new UserPrincipal(user == null ? "" : user));
        subject.getPublicCredentials().add(who);
        if (connection != null) {
            admittedConnections.put(connection.getID(), new Admitted(clientId, user, password, subject));
        }
        return subject;
    }

    private ClientIdentity.Kind identify(String clientId, String user, String password, boolean firstTime) {
        if (user == null || user.isEmpty()) {
            return anonymousAllowed ? ClientIdentity.Kind.ANONYMOUS : null;
        }
        String pw = password == null ? "" : password;
        if (user.equals(serviceUsername)) {
            return same(pw, servicePassword) ? ClientIdentity.Kind.SERVICE : null;
        }
        String expected = accounts.get(user);
        if (expected != null) {
            return same(pw, expected) ? ClientIdentity.Kind.ACCOUNT : null;
        }
        for (Authenticator a : authenticators) {
            if (a.accepts(clientId, user, pw, firstTime)) {
                return ClientIdentity.Kind.TOKEN;
            }
        }
        // no accounts on loopback: like Mosquitto's allow_anonymous, any other credentials are no credentials
        return anonymousAllowed && accounts.isEmpty() ? ClientIdentity.Kind.ANONYMOUS : null;
    }

    /** An account uses only the client ids it owns; anyone else none of those. */
    private Optional<String> ownership(ClientIdentity who) {
        return switch (who.kind()) {
            case SERVICE -> Optional.empty();
            case ACCOUNT ->
                clientIds.owns(who.username(), who.clientId())
                        ? Optional.empty()
                        : Optional.of("account '" + who.username() + "' owns the client ids "
                                + clientIds.patternsOf(who.username()) + " (%u = username), not this one");
            case TOKEN, ANONYMOUS ->
                clientIds
                        .ownerAmong(accounts.keySet(), who.clientId())
                        .map(owner -> "the client id belongs to account '" + owner + "'");
        };
    }

    void connectionClosed(Object connectionId) {
        admittedConnections.remove(connectionId);
    }

    private static boolean same(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public boolean authorize(Subject subject, Set<Role> roles, CheckType checkType, String address) {
        ClientIdentity who = identity(subject);
        if (who == null) {
            return false;
        }
        String topic = mqttTopic(address);
        boolean allowed = switch (checkType) {
            case SEND -> policy.mayPublish(who, topic);
            case CONSUME,
                    CREATE_DURABLE_QUEUE,
                    CREATE_NON_DURABLE_QUEUE,
                    DELETE_DURABLE_QUEUE,
                    DELETE_NON_DURABLE_QUEUE -> policy.maySubscribe(who, topic);
            case CREATE_ADDRESS, DELETE_ADDRESS -> !topic.regionMatches(true, 0, "$sys", 0, 4);
            case MANAGE, BROWSE, VIEW, EDIT -> false;
        };
        if (!allowed) {
            LOG.info("MQTT client '{}' denied {} on '{}'", who.clientId(), checkType, topic);
            if (checkType == CheckType.SEND) {
                clients.publishRefused(who.clientId(), topic);
            }
        }
        return allowed;
    }

    /**
     * Whether the subject may publish to the address, as {@link #authorize} answers it for a send, without logging or
     * telling the client about a refusal (Artemis asks {@link #authorize} afterwards and that does).
     */
    boolean maySend(Subject subject, String address) {
        ClientIdentity who = identity(subject);
        return who != null && policy.mayPublish(who, mqttTopic(address));
    }

    private static ClientIdentity identity(Subject subject) {
        return ClientIdentity.of(subject);
    }

    /** Artemis core address (or {@code address::queue}) back to the MQTT topic or filter. */
    static String mqttTopic(String coreAddress) {
        int fq = coreAddress.indexOf("::");
        String address = fq >= 0 ? coreAddress.substring(0, fq) : coreAddress;
        if (address.indexOf('\\') < 0) { // no escapes (the usual case, on every message sent): one new string
            return address.replace('.', '/').replace('*', '+');
        }
        StringBuilder out = new StringBuilder(address.length());
        for (int i = 0; i < address.length(); i++) {
            char c = address.charAt(i);
            if (c == '\\' && i + 1 < address.length()) {
                out.append(address.charAt(++i));
            } else if (c == '.') {
                out.append('/');
            } else if (c == '*') {
                out.append('+');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    @Override
    public boolean validateUser(String user, String password) {
        throw new UnsupportedOperationException("Artemis calls authenticate() on an ActiveMQSecurityManager5");
    }

    @Override
    public boolean validateUserAndRole(String user, String password, Set<Role> roles, CheckType checkType) {
        throw new UnsupportedOperationException("Artemis calls authorize() on an ActiveMQSecurityManager5");
    }
}
