package dev.aichatroom.mqtt;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Acknowledges at once, at the TCP level, what the broker sent on one connection
 * (docs/decisions/0044-quick-tcp-acknowledgements.md). A broker that writes with Nagle's algorithm on (Debian's
 * Mosquitto by default: {@code set_tcp_nodelay false}) sends a small packet only once the one before it has been
 * acknowledged. The service's kernel sees it answer what the broker sends (an output after an input), so it delays its
 * acknowledgements (up to 40 ms on Linux) to put them on its next packet; when the broker's last packet was the PUBACK of
 * an output and the next thing it has to send is the next input, both sides wait for each other until the delayed
 * acknowledgement's timer fires: chat inputs at QoS 0 came 24 ms late at the median.
 *
 * <p>After a read, if the service has written nothing on the connection {@link #DELAY} later (a packet it writes carries
 * the acknowledgement anyway), this sets Linux's {@code TCP_QUICKACK}, which sends the acknowledgement that is due and
 * leaves the delayed mode until the service writes again. Under load the service writes within that delay and nothing
 * extra is sent; setting it right at every read instead sent one more packet per read and, by letting the broker send
 * every small write on its own, cost the chat path at QoS 1 a tenth to a quarter of what it sustained on Mosquitto. On
 * other systems, or a transport without the option, nothing is installed.
 */
final class QuickAcks extends ChannelDuplexHandler {
    static final String NAME = "aichatroom-quick-acks";

    /**
     * How long after a read the service may take to write before the acknowledgement goes out on its own: a broker with
     * Nagle on waits at most this long (plus the event loop's delay) instead of the kernel's 40 ms.
     */
    static final Duration DELAY = Duration.ofNanos(500_000);

    private final ChannelOption<Boolean> option;
    /** A check is scheduled. Event loop only. */
    private boolean armed;
    /** The service wrote since the last read. Event loop only. */
    private boolean wrote;

    private QuickAcks(ChannelOption<Boolean> option) {
        this.option = option;
    }

    /** Puts the handler first in {@code channel}'s pipeline; false when the socket has no such option. */
    static boolean install(Channel channel) {
        if (channel.pipeline().get(NAME) != null) {
            return true;
        }
        Optional<ChannelOption<Boolean>> option = optionOf(channel);
        try {
            if (option.isEmpty() || !channel.config().setOption(option.get(), true)) {
                return false;
            }
        } catch (ChannelException | UnsupportedOperationException e) {
            return false;
        }
        channel.pipeline().addFirst(NAME, new QuickAcks(option.get()));
        return true;
    }

    /**
     * {@code TCP_QUICKACK} for {@code channel}'s transport, if it knows the option (the system may still refuse it).
     * Read, it says whether the socket acknowledges at once now: false while the kernel delays its acknowledgements.
     */
    static Optional<ChannelOption<Boolean>> optionOf(Channel channel) {
        try {
            if (channel instanceof EpollSocketChannel) {
                return Optional.of(EpollChannelOption.TCP_QUICKACK);
            }
            if (channel instanceof NioSocketChannel) {
                return Optional.of(NioChannelOption.of(jdk.net.ExtendedSocketOptions.TCP_QUICKACK));
            }
        } catch (LinkageError e) {
            // a runtime without jdk.net, or Netty without its epoll classes
        }
        return Optional.empty();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        wrote = false;
        if (!armed) {
            armed = true;
            ctx.executor().schedule(() -> check(ctx), DELAY.toNanos(), TimeUnit.NANOSECONDS);
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        wrote = true;
        ctx.write(msg, promise);
    }

    private void check(ChannelHandlerContext ctx) {
        armed = false;
        if (wrote || !ctx.channel().isActive()) {
            return;
        }
        try {
            ctx.channel().config().setOption(option, true);
        } catch (ChannelException e) {
            // the socket is closing: nothing left to acknowledge
        }
    }

    /** Whether a check after the last read is still to run. Event loop only. */
    boolean pending() {
        return armed;
    }
}
