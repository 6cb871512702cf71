package dev.aichatroom.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aichatroom.chat.Topics;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AccessPolicyTest {
    private final AccessPolicy policy = new AccessPolicy(
            List.of("chatroom/messages/out", "chatroom/+/messages/out", "$webrtc/+"),
            List.of(Topics.inputFilters()),
            List.of("chatroom/clients/", "$webrtc/"),
            List.of("chatroom/clients/%c/errors"),
            Optional.of("svc"));
    private final ClientIdentity device = new ClientIdentity("dev1", "", ClientIdentity.Kind.ANONYMOUS);
    private final ClientIdentity service = new ClientIdentity("svc", "svc", ClientIdentity.Kind.SERVICE);

    @Test
    void devices_publish_inputs_but_not_outputs() {
        assertThat(policy.mayPublish(device, "chatroom/messages/in")).isTrue();
        assertThat(policy.mayPublish(device, "chatroom/messages/out")).isFalse();
        assertThat(policy.mayPublish(device, "chatroom/r1/messages/out")).isFalse();
        assertThat(policy.mayPublish(service, "chatroom/messages/out")).isTrue();
    }

    @Test
    void owner_prefixes_bind_the_next_level_to_the_client_id() {
        assertThat(policy.mayPublish(device, "$webrtc/dev1/multimedia_proxy")).isTrue();
        assertThat(policy.mayPublish(device, "$webrtc/dev2/multimedia_proxy")).isFalse();
        assertThat(policy.mayPublish(device, "$webrtc/dev1")).isFalse();
        assertThat(policy.maySubscribe(device, "$webrtc/dev1")).isTrue();
        assertThat(policy.maySubscribe(device, "$webrtc/+")).isFalse();
        assertThat(policy.maySubscribe(device, "chatroom/clients/dev1/errors")).isTrue();
        assertThat(policy.maySubscribe(device, "chatroom/clients/#")).isFalse();
        assertThat(policy.maySubscribe(service, "$webrtc/+/multimedia_proxy")).isTrue();
    }

    @Test
    void mcp_topics_bind_server_and_client_ids_to_the_publisher() {
        String name = "/web-ui-hardware-controller/x";
        assertThat(policy.mayPublish(device, "$mcp-server/presence/dev1" + name))
                .isTrue();
        assertThat(policy.mayPublish(device, "$mcp-server/presence/dev2" + name))
                .isFalse();
        assertThat(policy.mayPublish(device, "$mcp-server/capability/dev2" + name))
                .isFalse();
        assertThat(policy.mayPublish(device, "$mcp-server/dev2" + name)).isTrue();
        assertThat(policy.maySubscribe(device, "$mcp-server/dev2" + name)).isFalse();
        assertThat(policy.maySubscribe(device, "$mcp-server/+" + name)).isFalse();
        assertThat(policy.maySubscribe(device, "$mcp-server/dev1" + name)).isTrue();
        assertThat(policy.maySubscribe(device, "$mcp-server/presence/+/web-ui-hardware-controller/#"))
                .isTrue();
        assertThat(policy.mayPublish(device, "$mcp-client/presence/dev2")).isFalse();
        assertThat(policy.mayPublish(device, "$mcp-client/capability/dev1")).isTrue();
        assertThat(policy.mayPublish(device, "$mcp-rpc/dev1/srv" + name)).isTrue();
        assertThat(policy.mayPublish(device, "$mcp-rpc/cli/dev1" + name)).isTrue();
        assertThat(policy.mayPublish(device, "$mcp-rpc/cli/srv" + name)).isFalse();
        assertThat(policy.maySubscribe(device, "$mcp-rpc/+/srv" + name)).isFalse();
        assertThat(policy.maySubscribe(service, "$mcp-rpc/+/srv" + name)).isTrue();
    }

    @Test
    void leading_wildcards_are_judged_like_any_filter_and_broker_internals_are_refused() {
        assertThat(policy.maySubscribe(device, "#"))
                .as("could match the raw inputs")
                .isFalse();
        assertThat(policy.maySubscribe(device, "+/+/in"))
                .as("could match chatroom/messages/in")
                .isFalse();
        assertThat(policy.maySubscribe(device, "+/messages/out")).isTrue();
        assertThat(policy.maySubscribe(device, "+/+")).isTrue();
        assertThat(policy.maySubscribe(device, "$share/g/+/C")).isTrue();
        assertThat(policy.maySubscribe(device, "chatroom/messages/out")).isTrue();
        assertThat(policy.mayPublish(service, "$sys/mqtt/sessions")).isFalse();
        assertThat(policy.maySubscribe(service, "$SYS/#")).isFalse();
    }

    @Test
    void core_addresses_map_back_to_mqtt_topics() {
        assertThat(BrokerSecurity.mqttTopic("chatroom.*.messages.in")).isEqualTo("chatroom/+/messages/in");
        assertThat(BrokerSecurity.mqttTopic("a.b::client.a.b")).isEqualTo("a/b");
        assertThat(BrokerSecurity.mqttTopic("#")).isEqualTo("#");
    }

    @Test
    void the_services_client_ids_are_the_services_alone() {
        for (String id : List.of("svc", "svc-members", "svc-mcp-default", "svc-presence", "svcx")) {
            assertThat(policy.clientIdRefusal(new ClientIdentity(id, "", ClientIdentity.Kind.ANONYMOUS)))
                    .as(id)
                    .isPresent();
            assertThat(policy.clientIdRefusal(new ClientIdentity(id, "web-token", ClientIdentity.Kind.TOKEN)))
                    .isPresent();
            assertThat(policy.clientIdRefusal(new ClientIdentity(id, "svc", ClientIdentity.Kind.SERVICE)))
                    .isEmpty();
        }
        assertThat(policy.clientIdRefusal(device)).isEmpty();
        assertThat(policy.clientIdRefusal(new ClientIdentity("my-svc", "", ClientIdentity.Kind.ANONYMOUS)))
                .isEmpty();
        assertThat(AccessPolicy.openToAll()
                        .clientIdRefusal(new ClientIdentity("svc", "", ClientIdentity.Kind.ANONYMOUS)))
                .isEmpty();
    }

    @Test
    void no_wildcard_reads_raw_inputs() {
        for (String filter : List.of(
                "chatroom/messages/in",
                "chatroom/r1/messages/in",
                "chatroom/r1/users/join",
                "chatroom/users/leave",
                "chatroom/#",
                "chatroom/+/#",
                "chatroom/+/+/in",
                "chatroom/+/messages/+",
                "chatroom/messages/+",
                "chatroom/messages/in/#",
                "chatroom/users/#",
                "chatroom/r1/#",
                "chatroom/+/users/+",
                "$share/g/chatroom/#",
                "$share/g/chatroom/messages/in")) {
            assertThat(policy.maySubscribe(device, filter)).as(filter).isFalse();
        }
        for (String filter : List.of(
                "chatroom/messages/out",
                "chatroom/r1/messages/out",
                "chatroom/+/messages/out",
                "chatroom/messages/stream",
                "chatroom/+/messages/stream",
                "chatroom/users/online",
                "chatroom/+/users/online",
                "chatroom/system",
                "chatroom/+/system",
                "chatroom/messages/in/more",
                "chatroom/r1/messages",
                "$share/g/chatroom/messages/out")) {
            assertThat(policy.maySubscribe(device, filter)).as(filter).isTrue();
        }
        assertThat(policy.maySubscribe(service, "chatroom/+/messages/in")).isTrue();
        assertThat(policy.maySubscribe(service, "$share/g/chatroom/+/messages/in"))
                .isTrue();
    }

    @Test
    void no_wildcard_reads_another_clients_private_topics() {
        for (String filter : List.of(
                "chatroom/clients/#",
                "chatroom/clients/+",
                "chatroom/clients/+/errors",
                "chatroom/+/+/errors",
                "chatroom/+/+/#",
                "chatroom/+/dev2/errors",
                "chatroom/clients/dev2/errors",
                "chatroom/clients/dev2",
                "chatroom/clients/dev2/#",
                "chatroom/+/#",
                "$share/g/chatroom/clients/+/errors")) {
            assertThat(policy.maySubscribe(device, filter)).as(filter).isFalse();
        }
        for (String filter : List.of(
                "chatroom/clients/dev1/errors",
                "chatroom/clients/dev1/#",
                "chatroom/clients/dev1",
                "chatroom/+/dev1/errors",
                "chatroom/+/messages/out",
                "chatroom/+/+/out",
                "chatroom/clients",
                "chatroom/+/messages/out")) {
            assertThat(policy.maySubscribe(device, filter)).as(filter).isTrue();
        }
    }

    @Test
    void filters_intersect_when_some_topic_matches_both() {
        assertThat(AccessPolicy.intersects("a/b", "a/b")).isTrue();
        assertThat(AccessPolicy.intersects("a/b", "a/c")).isFalse();
        assertThat(AccessPolicy.intersects("a/+", "+/b")).isTrue();
        assertThat(AccessPolicy.intersects("a/#", "a"))
                .as("'#' includes the parent")
                .isTrue();
        assertThat(AccessPolicy.intersects("a", "a/#")).isTrue();
        assertThat(AccessPolicy.intersects("a/+", "a")).isFalse();
        assertThat(AccessPolicy.intersects("a/+/c", "a/b/#")).isTrue();
        assertThat(AccessPolicy.intersects("a/b/c", "a/b")).isFalse();
        assertThat(AccessPolicy.intersects("#", "x/y/z")).isTrue();
        assertThat(AccessPolicy.intersects("+/+", "a/+/c")).isFalse();
        assertThat(AccessPolicy.intersects("a//c", "a/+/c"))
                .as("'+' matches an empty level")
                .isTrue();
        assertThat(AccessPolicy.intersects("#", "$webrtc/x"))
                .as("a leading wildcard skips '$' topics")
                .isFalse();
        assertThat(AccessPolicy.intersects("+/x", "$webrtc/x")).isFalse();
        assertThat(AccessPolicy.intersects("$webrtc/#", "$webrtc/x")).isTrue();
    }

    @Test
    void private_templates_are_judged_by_the_owner_level_of_every_match() {
        String errors = "chatroom/clients/%c/errors";
        assertThat(AccessPolicy.onlyOwnPrivate("me", "chatroom/clients/me/errors", errors))
                .isTrue();
        assertThat(AccessPolicy.onlyOwnPrivate("me", "chatroom/clients/you/errors", errors))
                .isFalse();
        assertThat(AccessPolicy.onlyOwnPrivate("me", "chatroom/+/me/errors", errors))
                .isTrue();
        assertThat(AccessPolicy.onlyOwnPrivate("me", "chatroom/+/me/#", errors)).isTrue();
        assertThat(AccessPolicy.onlyOwnPrivate("me", "chatroom/+/+/errors", errors))
                .isFalse();
        assertThat(AccessPolicy.onlyOwnPrivate("me", "chatroom/#", errors)).isFalse();
        assertThat(AccessPolicy.onlyOwnPrivate("me", "chatroom/+/#", errors)).isFalse();
        assertThat(AccessPolicy.onlyOwnPrivate("me", "chatroom/clients", errors))
                .isTrue();
        assertThat(AccessPolicy.onlyOwnPrivate("me", "chatroom/+/messages/out", errors))
                .isTrue();
        assertThat(AccessPolicy.onlyOwnPrivate("me", "chatroom/+/+/out", errors))
                .isTrue();
        assertThat(AccessPolicy.onlyOwnPrivate("me", "other/clients/you/errors", errors))
                .isTrue();
        assertThat(AccessPolicy.onlyOwnPrivate("me", "#", errors)).isFalse();
        assertThat(AccessPolicy.onlyOwnPrivate("me", "+/clients/me/errors", errors))
                .isTrue();
        assertThat(AccessPolicy.onlyOwnPrivate("me", "+/+/+/+", errors)).isFalse();
    }

    @Test
    void owner_prefixes_bind_the_level_after_them() {
        assertThat(AccessPolicy.onlyOwn("me", "$webrtc/me/multimedia_proxy", "$webrtc/"))
                .isTrue();
        assertThat(AccessPolicy.onlyOwn("me", "$webrtc/you", "$webrtc/")).isFalse();
        assertThat(AccessPolicy.onlyOwn("me", "$webrtc/+", "$webrtc/")).isFalse();
        assertThat(AccessPolicy.onlyOwn("me", "$webrtcx/you", "$webrtc/")).isTrue();
        assertThat(AccessPolicy.onlyOwn("me", "chatroom/clients/#", "chatroom/clients/"))
                .isFalse();
    }
}
