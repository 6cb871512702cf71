package dev.aichatroom.chat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aichatroom.testing.EmqxAcl;
import dev.aichatroom.testing.FreePorts;
import dev.aichatroom.testing.Mosquitto;
import dev.aichatroom.testing.Processes;
import dev.aichatroom.testing.TestMqtt;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 15: the shipped EMQX rules (deploy/emqx/acl.conf) give the same decisions as the shipped Mosquitto ACL
 * (deploy/mosquitto/acl) on a matrix of (account, client id, publish or read, topic). EMQX does not run here: its file
 * is evaluated by {@link EmqxAcl}, which follows EMQX's documented and coded semantics; the Mosquitto side is measured
 * on Debian's Mosquitto with a stock client — a publish is allowed when the PUBACK says success, a topic is readable
 * when a message the service publishes there reaches a subscriber of that topic (Mosquitto 2.0 grants every SUBSCRIBE
 * and checks each message it delivers, so reading is what its ACL decides).
 */
@Timeout(180)
class EmqxAclMatchesMosquittoIT {
    private static final Logger LOG = LoggerFactory.getLogger(EmqxAclMatchesMosquittoIT.class);
    private static final Path MOSQUITTO_ACL = Path.of("..", "deploy", "mosquitto", "acl");
    private static final Path EMQX_ACL = Path.of("..", "deploy", "emqx", "acl.conf");
    private static final String SERVICE = "ai-chatroom-service";
    private static final String SENTINEL = "chatroom/messages/out";

    /** An MQTT login: account and client id. */
    record Who(String user, String clientId) {}

    /** The service, a device with its own id, a device using another device's id. */
    private static final List<Who> MATRIX =
            List.of(new Who(SERVICE, SERVICE), new Who("device1", "device1"), new Who("device1", "device2"));

    /** A device that takes the service's client id: EMQX refuses it everything; Mosquitto cannot tell (see docs). */
    private static final Who IMPOSTOR = new Who("device1", SERVICE + "-mcp-1");

    /** The topics tried for a client id {@code c} (another client's id is {@code other}). */
    static List<String> topics(String c) {
        List<String> t = new ArrayList<>();
        for (String room : List.of("chatroom/", "chatroom/lab/")) {
            for (String leaf : List.of(
                    "messages/in",
                    "users/join",
                    "users/leave",
                    "messages/out",
                    "messages/stream",
                    "users/online",
                    "system")) {
                t.add(room + leaf);
            }
        }
        t.addAll(List.of(
                "chatroom/clients/" + c + "/errors",
                "chatroom/clients/other/errors",
                "chatroom/anything",
                "$webrtc/" + c,
                "$webrtc/" + c + "/multimedia_proxy",
                "$webrtc/other",
                "$webrtc/other/multimedia_proxy",
                "$message/" + c,
                "$message/" + c + "/x",
                "$message/other",
                "$message/other/x",
                "$mcp-server/presence/" + c + "/srv",
                "$mcp-server/presence/other/srv",
                "$mcp-server/capability/" + c + "/srv",
                "$mcp-server/capability/other/srv",
                "$mcp-server/" + c + "/srv",
                "$mcp-server/other/srv",
                "$mcp-client/presence/" + c,
                "$mcp-client/presence/other",
                "$mcp-client/capability/" + c,
                "$mcp-client/capability/other",
                "$mcp-rpc/" + c + "/srv/x",
                "$mcp-rpc/other/" + c + "/x",
                "$mcp-rpc/other/third/x",
                "aichatroom/voice/instances/i1",
                "other/topic"));
        return t;
    }

    private static TestMqtt login(int port, Who who) {
        return TestMqtt.login(port, who.clientId(), who.user(), who.user() + "-pw");
    }

    /** "publish T" / "read T" for what Mosquitto allows {@code who}, measured. */
    private static Set<String> measured(int port, Who who) {
        Set<String> allowed = new TreeSet<>();
        List<String> topics = topics(who.clientId());
        try (TestMqtt client = login(port, who);
                TestMqtt service = login(port, new Who(SERVICE, SERVICE + "-publisher"))) {
            client.subscribe(topics.toArray(String[]::new));
            client.subscribe(SENTINEL);
            for (String t : topics) {
                service.tryPublish(t, "read " + t); // where even the service may not publish, nobody reads
            }
            service.publish(SENTINEL, "sentinel " + who);
            // one publisher, one subscriber, QoS 1: everything before the sentinel has arrived when it has
            client.await(SENTINEL, r -> r.text().equals("sentinel " + who), Duration.ofSeconds(20));
            for (String t : topics) {
                if (client.received().stream()
                        .anyMatch(r -> r.topic().equals(t) && r.text().equals("read " + t))) {
                    allowed.add("read " + t);
                }
            }
            for (String t : topics) {
                if (client.tryPublish(t, "write").isEmpty()) {
                    allowed.add("publish " + t);
                }
            }
        }
        return allowed;
    }

    private static Set<String> evaluated(EmqxAcl acl, Who who) {
        Set<String> allowed = new TreeSet<>();
        for (String t : topics(who.clientId())) {
            for (EmqxAcl.Action a : EmqxAcl.Action.values()) {
                EmqxAcl.Permission p = acl.decide(who.user(), who.clientId(), a, t)
                        .orElseThrow(() -> new AssertionError("no EMQX rule decides " + a + " " + t + " for " + who
                                + ": the file must end with {deny, all}"));
                if (p == EmqxAcl.Permission.ALLOW) {
                    allowed.add((a == EmqxAcl.Action.PUBLISH ? "publish " : "read ") + t);
                }
            }
        }
        return allowed;
    }

    @Test
    void the_emqx_rules_allow_exactly_what_mosquitto_allows_with_the_shipped_acl() throws Exception {
        EmqxAcl emqx = EmqxAcl.parse(Files.readString(EMQX_ACL));
        Path passwd = Files.createTempFile("mosquitto", ".passwd");
        for (String user : List.of(SERVICE, "device1", "device2")) {
            Processes.run(List.of("/usr/bin/mosquitto_passwd", "-b", passwd.toString(), user, user + "-pw"));
        }
        int port = FreePorts.next();
        List<String> differences = new ArrayList<>();
        try (Mosquitto mosquitto = Mosquitto.startOn(
                port,
                false,
                "allow_anonymous false\npassword_file " + passwd + "\nacl_file " + MOSQUITTO_ACL.toAbsolutePath()
                        + "\n")) {
            for (Who who : MATRIX) {
                Set<String> m = measured(port, who);
                Set<String> e = evaluated(emqx, who);
                LOG.info(
                        "MEASURED {}: Mosquitto allows {} of {} decisions, EMQX {}",
                        who,
                        m.size(),
                        2 * topics(who.clientId()).size(),
                        e.size());
                for (String d : union(m, e)) {
                    if (m.contains(d) != e.contains(d)) {
                        String[] parts = d.split(" ", 2);
                        differences.add(who + " " + d + ": Mosquitto " + (m.contains(d) ? "allows" : "denies")
                                + ", EMQX " + (e.contains(d) ? "allows" : "denies") + " by "
                                + emqx.ruleFor(
                                                who.user(),
                                                who.clientId(),
                                                parts[0].equals("publish")
                                                        ? EmqxAcl.Action.PUBLISH
                                                        : EmqxAcl.Action.SUBSCRIBE,
                                                parts[1])
                                        .orElse("no rule"));
                    }
                }
            }
            Set<String> impostor = measured(port, IMPOSTOR);
            LOG.info("MEASURED {} on Mosquitto (it cannot refuse a client id by its shape): {}", IMPOSTOR, impostor);
            assertThat(evaluated(emqx, IMPOSTOR))
                    .as("EMQX refuses the service's client ids to others")
                    .isEmpty();
        }
        assertThat(differences).as("decisions that differ").isEmpty();
        // the service does its work; a device keeps to its own
        assertThat(evaluated(emqx, MATRIX.get(1)))
                .contains("publish chatroom/messages/in", "read chatroom/messages/out", "read $webrtc/device1")
                .doesNotContain(
                        "read chatroom/messages/in",
                        "publish chatroom/messages/out",
                        "read chatroom/clients/other/errors",
                        "publish $mcp-server/presence/other/srv");
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new TreeSet<>(a);
        all.addAll(b);
        return all;
    }
}
