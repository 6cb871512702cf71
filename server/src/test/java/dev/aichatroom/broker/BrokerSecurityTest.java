package dev.aichatroom.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import javax.security.auth.Subject;
import org.apache.activemq.artemis.core.security.CheckType;
import org.apache.activemq.artemis.spi.core.protocol.RemotingConnection;
import org.junit.jupiter.api.Test;

/** Artemis authenticates again before every authorization, i.e. on every publish (its caches are off). */
class BrokerSecurityTest {
    private final AtomicInteger tokenChecks = new AtomicInteger();
    private final Authenticator tokens = (clientId, user, password, firstTime) -> {
        tokenChecks.incrementAndGet();
        return "web".equals(user) && "signed".equals(password);
    };
    private final BrokerConfig config =
            new BrokerConfig("127.0.0.1", 1883, 8083, Path.of("unused"), Map.of(), Optional.empty());
    private final BrokerSecurity security = new BrokerSecurity(
            "service",
            "secret",
            config,
            List.of(tokens),
            AccessPolicy.openToAll(),
            ClientListener.NONE,
            new ListenerGuard(config.limits(), Clock.systemUTC()));

    @Test
    void a_connection_admitted_with_a_token_is_not_checked_again_on_every_publish() {
        RemotingConnection device = connection("conn-1", "device-1");
        Subject admitted = security.authenticate("web", "signed", device, null);
        assertThat(admitted).isNotNull();

        for (int publish = 0; publish < 100; publish++) {
            assertThat(security.authenticate("web", "signed", device, null)).isSameAs(admitted);
        }
        assertThat(tokenChecks).hasValue(1);
    }

    @Test
    void other_credentials_another_client_id_or_another_connection_are_checked_again() {
        RemotingConnection device = connection("conn-1", "device-1");
        security.authenticate("web", "signed", device, null);

        security.authenticate("web", "forged", device, null);
        assertThat(tokenChecks).hasValue(2);
        Subject other = security.authenticate("web", "signed", connection("conn-2", "device-1"), null);
        assertThat(tokenChecks).hasValue(3);
        assertThat(other).isNotNull();
        security.authenticate("web", "signed", connection("conn-1", "device-2"), null);
        assertThat(tokenChecks).hasValue(4);
    }

    @Test
    void a_closed_connection_is_forgotten() {
        RemotingConnection device = connection("conn-1", "device-1");
        security.authenticate("web", "signed", device, null);
        security.connectionClosed("conn-1");

        security.authenticate("web", "signed", device, null);
        assertThat(tokenChecks).hasValue(2);
    }

    /**
     * Artemis asks for every message sent (and the routing of new addresses asks once more): the connection's identity
     * is read from its subject without copying the subject's credentials into a new set and a stream each time (issue
     * 13: that copy was 6 % of all the bytes the product allocated at 1,000 msg/s, and every allocated byte brings the
     * next young collection, which stalls the whole chat path, closer).
     */
    @Test
    void an_authorization_allocates_little_more_than_the_topic_it_reads() {
        Subject device = security.authenticate("web", "signed", connection("conn-1", "device-1"), null);
        String address = "chatroom.messages.in";
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        int calls = 20_000;
        for (int i = 0; i < calls; i++) { // compiled before it is measured
            assertThat(security.authorize(device, Set.of(), CheckType.SEND, address))
                    .isTrue();
            assertThat(security.maySend(device, address)).isTrue();
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < calls; i++) {
            security.authorize(device, Set.of(), CheckType.SEND, address);
            security.maySend(device, address);
        }
        long perCall = (threads.getCurrentThreadAllocatedBytes() - before) / (2L * calls);
        // the MQTT topic read back from the address and the walk over the credentials, about 150 bytes; with the
        // credentials copied into a set and a stream, and the topic built in a StringBuilder, it was 616
        assertThat(perCall).isLessThan(250);
    }

    /** A connection that answers only its id, client id and protocol (no socket: the listener checks are skipped). */
    private static RemotingConnection connection(String id, String clientId) {
        return (RemotingConnection) Proxy.newProxyInstance(
                BrokerSecurityTest.class.getClassLoader(),
                new Class<?>[] {RemotingConnection.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getID" -> id;
                    case "getClientID" -> clientId;
                    case "getProtocolName" -> "MQTT5";
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> "connection " + id;
                    default -> method.getReturnType() == boolean.class ? false : null;
                });
    }
}
