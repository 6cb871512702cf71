package dev.aichatroom.broker;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;

/**
 * An MQTT 5 CONNECT with an empty client id asks the server to assign one (§3.1.3.1); Artemis refuses it (CONNACK
 * 0x85) when Clean Start is 0, as MQTT 3.1.1 requires, although a newly assigned id has no session to resume. This
 * handler, right after Artemis' MQTT decoder, turns Clean Start on for such a CONNECT: the same session, a new one
 * under the assigned id, with the Session Expiry the client asked for.
 */
final class EmptyClientId extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof MqttConnectMessage connect
                && connect.decoderResult().isSuccess()
                && connect.variableHeader().version() == 5
                && !connect.variableHeader().isCleanSession()
                && connect.payload().clientIdentifier().isEmpty()) {
            MqttConnectVariableHeader h = connect.variableHeader();
            ctx.fireChannelRead(new MqttConnectMessage(
                    connect.fixedHeader(),
                    new MqttConnectVariableHeader(
                            h.name(),
                            h.version(),
                            h.hasUserName(),
                            h.hasPassword(),
                            h.isWillRetain(),
                            h.willQos(),
                            h.isWillFlag(),
                            true,
                            h.keepAliveTimeSeconds(),
                            h.properties()),
                    connect.payload()));
            return;
        }
        ctx.fireChannelRead(msg);
    }
}
