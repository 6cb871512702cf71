package dev.aichatroom.bench;

import com.hivemq.client.internal.mqtt.MqttClientConnectionConfig;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * A subscriber at QoS 0 only reads: it never writes a packet that would carry its TCP acknowledgements, so Linux delays
 * them (up to 40 ms), and a broker with Nagle's algorithm on (Mosquitto's default, {@code set_tcp_nodelay false}) holds
 * its next message until the acknowledgement comes. That wait is the client's, not the broker's: before this, the raw
 * path on Mosquitto at QoS 0 and 1,000 msg/s had a p50 of about 9 ms against 0.2 ms at QoS 1, whose PUBACKs carry the
 * acknowledgements. This handler sets {@code TCP_QUICKACK} after every read of such a connection, as a reader that wants
 * its messages promptly would; the product's own connections do the equivalent (decision 0044).
 */
final class ReaderAcks extends ChannelInboundHandlerAdapter {
    private static final String NAME = "bench-reader-acks";

    private final ChannelOption<Boolean> option;

    private ReaderAcks(ChannelOption<Boolean> option) {
        this.option = option;
    }

    /** On {@code client}'s connection, once connected; false when there is none or the system lacks the option. */
    static boolean install(Mqtt5AsyncClient client) {
        Channel channel = client.getConfig()
                .getConnectionConfig()
                .map(c -> ((MqttClientConnectionConfig) c).getChannel())
                .orElse(null);
        if (!(channel instanceof NioSocketChannel)) {
            return false; // the bench's client runs on NIO (no native transport on its class path)
        }
        ChannelOption<Boolean> option;
        try {
            option = NioChannelOption.of(jdk.net.ExtendedSocketOptions.TCP_QUICKACK);
            if (!channel.config().setOption(option, true)) {
                return false;
            }
        } catch (ChannelException | UnsupportedOperationException | LinkageError e) {
            return false;
        }
        ChannelOption<Boolean> quickAck = option;
        channel.eventLoop().execute(() -> {
            if (channel.pipeline().get(NAME) == null) {
                channel.pipeline().addFirst(NAME, new ReaderAcks(quickAck));
            }
        });
        return true;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        try {
            ctx.channel().config().setOption(option, true); // Linux leaves quick mode on its own: set it each time
        } catch (ChannelException e) {
            // the socket is closing
        }
        ctx.fireChannelReadComplete();
    }
}
