package dev.aichatroom.mqtt;

import com.hivemq.client.internal.mqtt.message.publish.MqttStatefulPublish;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.pubrec.Mqtt5PubRec;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's own bound on unacknowledged inputs, on one connection (docs/decisions/0018-inbound-window.md): the
 * MQTT client is handed at most {@code window} QoS 1/2 PUBLISHes it has not acknowledged yet; what the broker sends
 * beyond that waits here, in order, and is handed on as acknowledgements go out. A broker that does not keep to the
 * client's Receive Maximum (Mosquitto before 2.0.13 sends up to another Receive Maximum's worth on every
 * acknowledgement of its oldest message, and beyond 65,535 in flight reuses packet identifiers) can then no longer
 * make the client see more than it allowed, or a packet identifier still in flight: the client would disconnect, get
 * the same backlog again and loop.
 *
 * <p>The socket is not paused: the PUBACKs of the service's own publishes and the broker's PINGRESPs come on the same
 * connection and must keep flowing. What waits here is bounded by what the broker holds for the service's session.
 *
 * <p>Sits in the client's Netty pipeline right after the MQTT decoder and runs on the connection's event loop only:
 * reads see the PUBLISHes the decoder hands on, writes the PUBACKs (PUBRECs) the client sends, in order.
 */
final class InboundWindow extends ChannelDuplexHandler {
    private static final Logger LOG = LoggerFactory.getLogger(InboundWindow.class);
    static final String NAME = "aichatroom-inbound-window";
    /** Never more than this many unacknowledged inputs are handed to the client, whatever the Receive Maximum. */
    static final int MOST = 10_000;

    private final int window;
    private final ArrayDeque<Object> held = new ArrayDeque<>();
    private int unacknowledged;
    private boolean releasing;
    private boolean told;

    InboundWindow(int window) {
        if (window < 1) {
            throw new IllegalArgumentException("window too small: " + window);
        }
        this.window = window;
    }

    /** The window for a connection that asked for {@code receiveMaximum}: half of it, at most {@link #MOST}. */
    static int forReceiveMaximum(int receiveMaximum) {
        return Math.max(1, Math.min(MOST, receiveMaximum / 2));
    }

    /** Puts a window in {@code channel}'s pipeline right after HiveMQ's decoder. */
    static void install(Channel channel, int window) {
        if (channel.pipeline().get(NAME) == null) {
            channel.pipeline().addAfter("decoder", NAME, new InboundWindow(window));
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (!(msg instanceof MqttStatefulPublish p) || p.stateless().getQos() == MqttQos.AT_MOST_ONCE) {
            ctx.fireChannelRead(msg);
        } else if (held.isEmpty() && unacknowledged < window) {
            unacknowledged++;
            ctx.fireChannelRead(msg);
        } else {
            held.add(msg);
            if (!told) {
                told = true;
                LOG.info(
                        "The broker at {} sent more than {} unacknowledged inputs: holding back the rest in order",
                        ctx.channel().remoteAddress(),
                        window);
            }
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        ctx.write(msg, promise);
        if (msg instanceof Mqtt5PubAck || msg instanceof Mqtt5PubRec) {
            unacknowledged--;
            release(ctx);
        }
    }

    /** Hands on held inputs while the window has room; not again from inside (a handler that acknowledges at once). */
    private void release(ChannelHandlerContext ctx) {
        if (releasing) {
            return;
        }
        releasing = true;
        try {
            while (!held.isEmpty() && unacknowledged < window) {
                unacknowledged++;
                ctx.fireChannelRead(held.poll());
            }
        } finally {
            releasing = false;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        // the broker hands what was held over again on the next connection, as it was never acknowledged
        held.clear();
        ctx.fireChannelInactive();
    }

    int unacknowledged() {
        return unacknowledged;
    }

    int held() {
        return held.size();
    }
}
