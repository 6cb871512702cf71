package dev.aichatroom.broker;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EmbeddedBrokerTest {
    @Test
    void refuses_to_listen_beyond_loopback_without_accounts_even_with_tokens() {
        BrokerConfig open =
                new BrokerConfig("0.0.0.0", 1883, 8083, Path.of("unused"), Map.of(), java.util.Optional.empty());
        Authenticator tokens = (clientId, username, password, firstTime) -> true;

        assertThatThrownBy(() -> new EmbeddedBroker(
                        open, AccessPolicy.openToAll(), List.of(tokens), ClientListener.NONE, List.of()))
                .isInstanceOf(BrokerException.class)
                .hasMessageContaining("MQTT_USERNAME");
    }
}
