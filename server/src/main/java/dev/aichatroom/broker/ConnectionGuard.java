package dev.aichatroom.broker;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On one connection, right after TLS: closes it when it has not logged in within the CONNECT timeout, or when it
 * sends more than {@link ListenerGuard#PRE_LOGIN_BYTES} before it has. Steps aside once the login is accepted.
 */
final class ConnectionGuard extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);

    private final BrokerLimits limits;
    private ScheduledFuture<?> timeout;
    private long received;

    ConnectionGuard(BrokerLimits limits) {
        this.limits = limits;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        timeout = ctx.executor()
                .schedule(
                        () -> {
                            if (!ListenerGuard.admitted(ctx.channel())
                                    && ctx.channel().isOpen()) {
                                LOG.info(
                                        "MQTT connection from {} closed: no accepted CONNECT within {} s",
                                        ctx.channel().remoteAddress(),
                                        limits.connectTimeout().toSeconds());
                                ctx.close();
                            }
                        },
                        limits.connectTimeout().toMillis(),
                        TimeUnit.MILLISECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    private void cancel() {
        if (timeout != null) {
            timeout.cancel(false);
            timeout = null;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (ListenerGuard.admitted(ctx.channel())) {
            ctx.pipeline().remove(this);
            ctx.fireChannelRead(msg);
            return;
        }
        received += msg instanceof ByteBuf b
                ? b.readableBytes()
                : msg instanceof ByteBufHolder h ? h.content().readableBytes() : 0;
        if (received > ListenerGuard.PRE_LOGIN_BYTES) {
            ReferenceCountUtil.release(msg);
            if (ctx.channel().isOpen()) {
                LOG.info(
                        "MQTT connection from {} closed: more than {} bytes before logging in",
                        ctx.channel().remoteAddress(),
                        ListenerGuard.PRE_LOGIN_BYTES);
                ctx.close();
            }
            return;
        }
        ctx.fireChannelRead(msg);
    }
}
