package dev.aichatroom.broker;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.util.ReferenceCountUtil;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's Receive Maximum (MQTT 5 §3.3.4): at most {@link #RECEIVE_MAXIMUM} QoS 1 and 2 PUBLISHes from one client
 * that it has not yet answered with PUBACK or PUBCOMP. Artemis announces no Receive Maximum (so the client must assume
 * 65,535) but counts nothing: it answered the 65,536th unfinished QoS 2 PUBLISH like the others and kept its state
 * (the Paho suite's {@code flow_control2} waited for a DISCONNECT that never came). One more, or one that reuses the
 * packet id of an unfinished one while the quota is full, gets DISCONNECT 0x93 and the connection is closed. Sits right
 * after Artemis' MQTT decoder, where it sees the packets both ways; all on the connection's event loop.
 */
final class InboundQuota extends ChannelDuplexHandler {
    private static final Logger LOG = LoggerFactory.getLogger(InboundQuota.class);
    static final int RECEIVE_MAXIMUM = 65_535;
    private static final byte RECEIVE_MAXIMUM_EXCEEDED = (byte) 0x93;

    private final int receiveMaximum;
    private final Set<Integer> inFlight = new HashSet<>();
    private boolean mqtt5;
    private boolean exceeded;

    InboundQuota() {
        this(RECEIVE_MAXIMUM);
    }

    InboundQuota(int receiveMaximum) {
        this.receiveMaximum = receiveMaximum;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (exceeded) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof MqttConnectMessage connect) {
            mqtt5 = connect.variableHeader().version() == 5;
        } else if (mqtt5
                && msg instanceof MqttPublishMessage publish
                && publish.fixedHeader().qosLevel().value() > 0) {
            int id = publish.variableHeader().packetId();
            boolean resent = publish.fixedHeader().isDup() && inFlight.contains(id);
            if (!resent && inFlight.size() >= receiveMaximum) {
                exceeded = true;
                ReferenceCountUtil.release(msg);
                LOG.info(
                        "MQTT connection from {} closed: more than {} QoS 1/2 PUBLISHes unanswered (Receive Maximum)",
                        ctx.channel().remoteAddress(),
                        receiveMaximum);
                ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {(byte) 0xE0, 1, RECEIVE_MAXIMUM_EXCEEDED}))
                        .addListener(ChannelFutureListener.CLOSE);
                return;
            }
            inFlight.add(id);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof MqttMessage m && m.variableHeader() instanceof MqttMessageIdVariableHeader h) {
            MqttMessageType type = m.fixedHeader().messageType();
            boolean refusedPubrec = type == MqttMessageType.PUBREC
                    && h instanceof MqttPubReplyMessageVariableHeader reply
                    && (reply.reasonCode() & 0xFF) >= 0x80;
            if (type == MqttMessageType.PUBACK || type == MqttMessageType.PUBCOMP || refusedPubrec) {
                inFlight.remove(h.messageId());
            }
        }
        ctx.write(msg, promise);
    }
}
