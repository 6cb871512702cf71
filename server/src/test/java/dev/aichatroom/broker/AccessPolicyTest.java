package dev.aichatroom.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class AccessPolicyTest {
    private final AccessPolicy policy = new AccessPolicy(
            List.of("chatroom/messages/out", "chatroom/+/messages/out", "$webrtc/+"),
            List.of("chatroom/clients/", "$webrtc/"));
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
    void leading_wildcards_and_broker_internals_are_refused() {
        assertThat(policy.maySubscribe(device, "#")).isFalse();
        assertThat(policy.maySubscribe(device, "+/messages/out")).isFalse();
        assertThat(policy.maySubscribe(device, "chatroom/#")).isTrue();
        assertThat(policy.mayPublish(service, "$sys/mqtt/sessions")).isFalse();
        assertThat(policy.maySubscribe(service, "$SYS/#")).isFalse();
    }

    @Test
    void core_addresses_map_back_to_mqtt_topics() {
        assertThat(BrokerSecurity.mqttTopic("chatroom.*.messages.in")).isEqualTo("chatroom/+/messages/in");
        assertThat(BrokerSecurity.mqttTopic("a.b::client.a.b")).isEqualTo("a/b");
        assertThat(BrokerSecurity.mqttTopic("#")).isEqualTo("#");
    }
}
