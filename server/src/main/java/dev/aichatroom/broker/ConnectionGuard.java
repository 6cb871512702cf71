package dev.aichatroom.broker;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On one connection, right after TLS: closes it when it has not logged in within the CONNECT timeout, or when it
 * sends more than {@link ListenerGuard#PRE_LOGIN_BYTES} before it has. Steps aside once the login is accepted
 * ({@link #stepAside}): an idle connection keeps neither it nor its timer.
 */
final class ConnectionGuard extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);

    private static final int MAX_HEAD = 16 * 1024;
    private static final byte[] FORBIDDEN = ("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);

    private final BrokerLimits limits;
    private final Optional<WebSocketOrigins> origins;
    /** The WebSocket upgrade request's head while it comes in; null before and after. */
    private ByteArrayOutputStream head;

    private boolean headChecked;
    private ScheduledFuture<?> timeout;
    private long received;

    /** {@code origins}: on the WebSocket listener, the pages that may open it. */
    ConnectionGuard(BrokerLimits limits, Optional<WebSocketOrigins> origins) {
        this.limits = limits;
        this.origins = origins;
        this.headChecked = origins.isEmpty();
    }

    /**
     * Removes the guard from an admitted connection's pipeline, on the connection's event loop (where its reads run,
     * so that a read that comes meanwhile finds it either there or gone).
     */
    static void stepAside(Channel channel) {
        channel.eventLoop().execute(() -> {
            ConnectionGuard guard = channel.pipeline().get(ConnectionGuard.class);
            if (guard != null) {
                channel.pipeline().remove(guard);
            }
        });
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

    /**
     * Collects the HTTP request head of a WebSocket upgrade; once it is complete, checks its {@code Origin} (a browser
     * page from another site may not use the broker with the visitor's network position or cookies).
     */
    private boolean originAllowed(ChannelHandlerContext ctx, ByteBuf b) {
        if (head == null) {
            head = new ByteArrayOutputStream();
        }
        int n = Math.min(b.readableBytes(), MAX_HEAD - head.size());
        byte[] bytes = new byte[n];
        b.getBytes(b.readerIndex(), bytes);
        head.writeBytes(bytes);
        String text = head.toString(StandardCharsets.ISO_8859_1);
        if (!text.contains("\r\n\r\n") && head.size() < MAX_HEAD) {
            return true;
        }
        headChecked = true;
        Optional<String> origin = header(text, "origin");
        boolean allowed = origins.orElseThrow().allows(origin, header(text, "host"));
        if (!allowed) {
            LOG.info(
                    "MQTT WebSocket from {} refused: Origin {} is not one of the product's pages (MQTT_WS_ALLOWED_ORIGINS)",
                    ctx.channel().remoteAddress(),
                    printable(origin.orElse("")));
        }
        head = null;
        return allowed;
    }

    /** Client-supplied text for a log line: control characters escaped, at most 200 characters. */
    private static String printable(String text) {
        StringBuilder out = new StringBuilder();
        for (char c : text.substring(0, Math.min(text.length(), 200)).toCharArray()) {
            out.append(c < 0x20 || c == 0x7F ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        }
        return "'" + out + "'";
    }

    private static Optional<String> header(String head, String name) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                return Optional.of(line.substring(colon + 1).trim());
            }
        }
        return Optional.empty();
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
        if (!headChecked && msg instanceof ByteBuf b && !originAllowed(ctx, b)) {
            ReferenceCountUtil.release(msg);
            ctx.writeAndFlush(Unpooled.wrappedBuffer(FORBIDDEN)).addListener(ChannelFutureListener.CLOSE);
            return;
        }
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
