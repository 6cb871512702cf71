package dev.aichatroom.broker;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Right before Artemis' MQTT decoder (which accepts up to 256 MB and buffers a packet until it is complete): follows
 * the packet boundaries in the byte stream and closes the connection as soon as a fixed header announces more than
 * the limit, {@link BrokerLimits#MAX_CONNECT_BYTES} until the login is accepted, the configured maximum after.
 */
final class PacketSizeGuard extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(PacketSizeGuard.class);

    private enum State {
        TYPE,
        LENGTH,
        BODY
    }

    private final int maxPacketSize;
    private State state = State.TYPE;
    private int length;
    private int lengthBytes;
    private long remaining;
    private boolean refused;

    PacketSizeGuard(int maxPacketSize) {
        this.maxPacketSize = maxPacketSize;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof ByteBuf buf && !follow(ctx, buf)) {
            refused = true;
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        ctx.fireChannelRead(msg);
    }

    /** Advances over the buffer's bytes; false when a packet is too large or its length is malformed. */
    private boolean follow(ChannelHandlerContext ctx, ByteBuf buf) {
        int i = buf.readerIndex();
        int end = buf.writerIndex();
        while (i < end) {
            switch (state) {
                case TYPE -> {
                    i++;
                    state = State.LENGTH;
                    length = 0;
                    lengthBytes = 0;
                }
                case LENGTH -> {
                    int b = buf.getByte(i++) & 0xFF;
                    length |= (b & 0x7F) << (7 * lengthBytes);
                    lengthBytes++;
                    if ((b & 0x80) == 0) {
                        if (!fits(ctx, 1L + lengthBytes + length)) {
                            return false;
                        }
                        remaining = length;
                        state = remaining == 0 ? State.TYPE : State.BODY;
                    } else if (lengthBytes == 4) {
                        LOG.info(
                                "MQTT connection from {} closed: malformed remaining length",
                                ctx.channel().remoteAddress());
                        return false;
                    }
                }
                case BODY -> {
                    int n = (int) Math.min(remaining, end - i);
                    i += n;
                    remaining -= n;
                    if (remaining == 0) {
                        state = State.TYPE;
                    }
                }
            }
        }
        return true;
    }

    private boolean fits(ChannelHandlerContext ctx, long size) {
        boolean admitted = ListenerGuard.admitted(ctx.channel());
        int limit = admitted ? maxPacketSize : BrokerLimits.MAX_CONNECT_BYTES;
        if (size <= limit) {
            return true;
        }
        LOG.info(
                "MQTT connection from {} closed: a packet of {} bytes {} (limit {})",
                ctx.channel().remoteAddress(),
                size,
                admitted ? "exceeds MQTT_MAX_PACKET_SIZE" : "before logging in",
                limit);
        return false;
    }
}
