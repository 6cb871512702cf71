package dev.aichatroom.testing;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the flushes that reach a Netty channel's socket, and holds its event loop busy while packets are handed to it:
 * how the tests see that packets written together leave in one write (decision 0051).
 */
public final class ChannelFlushes {
    private final Channel channel;
    private final AtomicInteger flushes = new AtomicInteger();

    private ChannelFlushes(Channel channel) {
        this.channel = channel;
    }

    /** Starts counting: a handler next to the socket, after every other, sees each flush that goes out. */
    public static ChannelFlushes count(Channel channel) throws Exception {
        ChannelFlushes counted = new ChannelFlushes(channel);
        channel.eventLoop()
                .submit(() -> channel.pipeline().addFirst("count-flushes", new ChannelOutboundHandlerAdapter() {
                    @Override
                    public void flush(ChannelHandlerContext ctx) {
                        counted.flushes.incrementAndGet();
                        ctx.flush();
                    }
                }))
                .get(10, TimeUnit.SECONDS);
        return counted;
    }

    /** Flushes counted so far. */
    public int flushes() {
        return flushes.get();
    }

    /** Keeps the channel's event loop busy until the latch returned is counted down (20 s at most). */
    public CountDownLatch holdEventLoop() {
        CountDownLatch busy = new CountDownLatch(1);
        channel.eventLoop().execute(() -> {
            try {
                busy.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return busy;
    }

    /** Returns once the event loop has run what was queued on it before, twice over (a flush left for later too). */
    public void settle() throws Exception {
        channel.eventLoop().submit(() -> {}).get(10, TimeUnit.SECONDS);
        channel.eventLoop().submit(() -> {}).get(10, TimeUnit.SECONDS);
    }
}
