package dev.aichatroom.broker.artemis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.config.WildcardConfiguration;
import org.junit.jupiter.api.Test;

class NewAddressRoutingTest {
    private static final List<String> ADDRESSES = List.of(
            "",
            "chatroom.messages.in",
            "chatroom.#",
            "#",
            "*",
            "chatroom.*.messages.out",
            "*.messages.out",
            "a#b",
            "a*",
            "a\\#",
            "a\\*.b",
            "\\#",
            "$mcp-server.presence.*",
            "chatroom.room-1.messages.in",
            "x.y\\*.z.*");

    @Test
    void decides_wildcard_addresses_as_artemis_does_without_the_method_artemis_2_40_lacks() {
        WildcardConfiguration wildcards = new WildcardConfiguration();
        for (String address : ADDRESSES) {
            SimpleString s = SimpleString.of(address);
            assertThat(NewAddressRouting.isWild(s, wildcards.getSingleWord(), wildcards.getAnyWords()))
                    .as(address)
                    .isEqualTo(wildcards.isWild(s));
        }
    }

    @Test
    void follows_a_broker_configured_with_other_wildcard_characters() {
        assertThat(NewAddressRouting.isWild(SimpleString.of("a/+/b"), '+', '#')).isTrue();
        assertThat(NewAddressRouting.isWild(SimpleString.of("a.*.b"), '+', '#')).isFalse();
    }
}
