package dev.aichatroom.broker;

import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttMessage;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.activemq.artemis.core.protocol.mqtt.MQTTInterceptor;
import org.apache.activemq.artemis.spi.core.protocol.ConnectionEntry;
import org.apache.activemq.artemis.spi.core.protocol.RemotingConnection;

/**
 * Keep-alive as MQTT 3.1.1 and 5 define it. Artemis offers one setting for both: with {@code serverKeepAlive=-1} it
 * cut off every client whose keep-alive is 0 ("none") at its first check without traffic, two to four seconds after
 * it went quiet (the Paho suite's subscribers, which wait with keep-alive 0, lost their will messages and its
 * {@code flow_control2} hung); with a server keep-alive it imposes that value on MQTT 3.1.1 clients too, which have no
 * way to learn it. So the listeners use Artemis' default server keep-alive ({@link #SERVER_SECONDS}, announced to MQTT 5
 * clients that ask for none or for more, MQTT 5 §3.2.2.3.14), and this interceptor gives MQTT 3.1.1 clients back their
 * own: none for 0, 1.5 times theirs otherwise (MQTT-3.1.2-24).
 */
final class KeepAlive {
    /** What MQTT 5 clients asking for no keep-alive, or more than this, are told to use. Artemis' default. */
    static final int SERVER_SECONDS = 60;

    private static final long MILLIS_PER_KEEP_ALIVE_SECOND = 1500;

    private final Map<Object, Integer> pending = new ConcurrentHashMap<>();
    private final Function<Object, Optional<ConnectionEntry>> entries;

    /** {@code entries}: the broker's connection entry (whose TTL is the keep-alive) of a connection id. */
    KeepAlive(Function<Object, Optional<ConnectionEntry>> entries) {
        this.entries = entries;
    }

    /** Notes the keep-alive of an MQTT 3.1.1 (or 3.1) CONNECT that Artemis would replace with the server's. */
    MQTTInterceptor incoming() {
        return new MQTTInterceptor() {
            @Override
            public boolean intercept(MqttMessage packet, RemotingConnection connection) {
                if (packet instanceof MqttConnectMessage connect
                        && connect.variableHeader().version() < 5) {
                    int seconds = connect.variableHeader().keepAliveTimeSeconds();
                    if (seconds == 0 || seconds > SERVER_SECONDS) {
                        pending.put(connection.getID(), seconds);
                    }
                }
                return true;
            }
        };
    }

    /** On the successful CONNACK (Artemis has set its TTL by then): the client's own keep-alive. */
    MQTTInterceptor outgoing() {
        return new MQTTInterceptor() {
            @Override
            public boolean intercept(MqttMessage packet, RemotingConnection connection) {
                if (packet instanceof MqttConnAckMessage ack) {
                    Integer seconds = pending.remove(connection.getID());
                    if (seconds != null
                            && ack.variableHeader().connectReturnCode().byteValue() == 0) {
                        entries.apply(connection.getID())
                                .ifPresent(entry ->
                                        entry.ttl = seconds == 0 ? -1 : seconds * MILLIS_PER_KEEP_ALIVE_SECOND);
                    }
                }
                return true;
            }
        };
    }

    /** Forgets a connection that closed before its CONNACK. */
    void connectionClosed(Object connectionId) {
        pending.remove(connectionId);
    }
}
