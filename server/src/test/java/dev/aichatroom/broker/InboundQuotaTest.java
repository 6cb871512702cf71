package dev.aichatroom.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import org.junit.jupiter.api.Test;

class InboundQuotaTest {
    private final EmbeddedChannel channel = new EmbeddedChannel(new InboundQuota(2));

    @Test
    void one_unanswered_publish_past_the_receive_maximum_gets_disconnect_0x93() {
        connect(MqttVersion.MQTT_5);
        channel.writeInbound(publish(1, 2, false), publish(2, 1, false));
        assertThat(channel.isOpen()).isTrue();
        channel.writeInbound(publish(3, 2, false));
        ByteBuf disconnect = channel.readOutbound();
        assertThat(ByteBufUtil.getBytes(disconnect)).containsExactly(0xE0, 1, 0x93);
        assertThat(channel.isOpen()).isFalse();
        assertThat(readAll())
                .as("the connect and the two PUBLISHes within the quota")
                .isEqualTo(3);
    }

    @Test
    void pubacks_and_pubcomps_free_the_quota_and_a_resend_is_not_counted() {
        connect(MqttVersion.MQTT_5);
        channel.writeInbound(publish(1, 1, false), publish(2, 2, false));
        channel.writeInbound(publish(2, 2, true)); // DUP of an unanswered one: the same message
        assertThat(channel.isOpen()).isTrue();
        channel.writeOutbound(reply(MqttMessageType.PUBACK, 1), reply(MqttMessageType.PUBCOMP, 2));
        channel.writeInbound(publish(3, 1, false), publish(4, 2, false));
        assertThat(channel.isOpen()).isTrue();
        assertThat(readAll()).isEqualTo(6);
    }

    @Test
    void a_reused_packet_id_while_the_quota_is_full_counts_as_one_more() {
        connect(MqttVersion.MQTT_5);
        channel.writeInbound(publish(1, 2, false), publish(2, 2, false), publish(1, 2, false));
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void mqtt_3_1_1_has_no_receive_maximum() {
        connect(MqttVersion.MQTT_3_1_1);
        for (int id = 1; id <= 5; id++) {
            channel.writeInbound(publish(id, 1, false));
        }
        assertThat(channel.isOpen()).isTrue();
    }

    private void connect(MqttVersion version) {
        channel.writeInbound(MqttMessageBuilders.connect()
                .protocolVersion(version)
                .clientId("quota")
                .build());
    }

    private int readAll() {
        int n = 0;
        for (Object o; (o = channel.readInbound()) != null; ) {
            n++;
            if (o instanceof MqttPublishMessage p) {
                p.release();
            }
        }
        return n;
    }

    private static MqttPublishMessage publish(int id, int qos, boolean dup) {
        return new MqttPublishMessage(
                new MqttFixedHeader(MqttMessageType.PUBLISH, dup, MqttQoS.valueOf(qos), false, 0),
                new io.netty.handler.codec.mqtt.MqttPublishVariableHeader("TopicA", id),
                Unpooled.buffer());
    }

    private static MqttMessage reply(MqttMessageType type, int id) {
        return new MqttMessage(
                new MqttFixedHeader(type, false, MqttQoS.AT_MOST_ONCE, false, 0), MqttMessageIdVariableHeader.from(id));
    }
}
