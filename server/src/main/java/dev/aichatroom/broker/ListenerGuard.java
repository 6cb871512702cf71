package dev.aichatroom.broker;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.util.AttributeKey;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.activemq.artemis.core.remoting.impl.netty.NettyAcceptor;
import org.apache.activemq.artemis.core.remoting.impl.netty.NettyConnection;
import org.apache.activemq.artemis.spi.core.protocol.RemotingConnection;
import org.apache.activemq.artemis.spi.core.remoting.Acceptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded broker's limits at the socket, below Artemis: every accepted connection (TCP, TLS, WebSocket) must log
 * in within the CONNECT timeout and may send at most {@link BrokerLimits#MAX_CONNECT_BYTES} (plus room for an HTTP
 * upgrade) before it has; every MQTT packet is measured from its fixed header, before a byte of it is buffered; the
 * public listeners refuse an address over its connection limit or banned after wrong logins. Artemis gives no hook on
 * its accepted channels, so the guard sits on each listener's server channel (see docs/decisions/0006-broker-limits.md).
 */
final class ListenerGuard {
    private static final Logger LOG = LoggerFactory.getLogger(ListenerGuard.class);
    static final AttributeKey<Boolean> ADMITTED = AttributeKey.valueOf("ai-chatroom-admitted");
    /** Before login: the CONNECT plus an HTTP upgrade request and WebSocket framing. */
    static final int PRE_LOGIN_BYTES = BrokerLimits.MAX_CONNECT_BYTES + 16 * 1024;

    private static final Duration LOG_EVERY = Duration.ofSeconds(10);

    private final BrokerLimits limits;
    private final Clock clock;
    private final LoginThrottle throttle;
    private final Map<InetAddress, Integer> connections = new ConcurrentHashMap<>();
    private final Set<Channel> serviceListeners = ConcurrentHashMap.newKeySet();
    private final AtomicLong lastRefusalLog = new AtomicLong();
    private final AtomicLong refusedSinceLog = new AtomicLong();

    ListenerGuard(BrokerLimits limits, Clock clock) {
        this.limits = limits;
        this.clock = clock;
        this.throttle = new LoginThrottle(limits.loginFailuresPerIp(), limits.loginBan(), clock);
    }

    /**
     * Guards a started listener. {@code serviceOnly}: the service's own loopback listener, exempt from the per-address
     * limits and closed to everyone else.
     */
    void install(Acceptor acceptor, boolean serviceOnly, Optional<WebSocketOrigins> origins) {
        for (Channel server : serverChannels(acceptor)) {
            if (serviceOnly) {
                serviceListeners.add(server);
            }
            server.pipeline().addFirst("ai-chatroom-gate", new Gate(!serviceOnly, origins));
        }
    }

    /** The port a started listener is bound to (it may have asked for any free one). */
    static int boundPort(Acceptor acceptor) {
        for (Channel server : serverChannels(acceptor)) {
            if (server.localAddress() instanceof InetSocketAddress a) {
                return a.getPort();
            }
        }
        throw new BrokerException("the MQTT listener " + acceptor.getName() + " is not bound");
    }

    private static Iterable<Channel> serverChannels(Acceptor acceptor) {
        try {
            Field field = NettyAcceptor.class.getDeclaredField("serverChannelGroup");
            field.setAccessible(true);
            return (ChannelGroup) field.get(acceptor);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new BrokerException(
                    "cannot guard the MQTT listener " + acceptor.getName() + " (" + e
                            + "): this Artemis version is not the one the product was built for",
                    e);
        }
    }

    /**
     * Artemis has recognised MQTT on a connection (on its event loop; a WebSocket's upgrade is done by then): measure
     * and check each packet from here on.
     *
     * @return its channel, unless it is on the service's own listener
     */
    Optional<Channel> connectionCreated(RemotingConnection connection) {
        Optional<Channel> found = channel(connection);
        found.ifPresent(channel -> {
            ChannelPipeline pipeline = channel.pipeline();
            ChannelHandlerContext decoder = pipeline.context(MqttDecoder.class);
            if (decoder != null && pipeline.get(PacketSizeGuard.class) == null) {
                pipeline.addBefore(
                        decoder.name(), "ai-chatroom-packet-size", new PacketSizeGuard(limits.maxPacketSize()));
                pipeline.addBefore(decoder.name(), "ai-chatroom-packet-validator", new PacketValidator());
                // after the decoder, on the decoded packets: what Artemis leaves out of MQTT 5 (decision 0020)
                pipeline.addAfter(decoder.name(), "ai-chatroom-inbound-quota", new InboundQuota());
                pipeline.addAfter(decoder.name(), "ai-chatroom-empty-client-id", new EmptyClientId());
            }
            WebSocketFrames.replaceArtemisHandler(pipeline);
        });
        return found.filter(c -> !serviceListeners.contains(c.parent()));
    }

    /**
     * The credentials were right: admits the connection unless its address is banned or it came in on the service's
     * listener without being the service. Returns why not.
     */
    Optional<String> admit(RemotingConnection connection, boolean service) {
        Optional<Channel> channel = channel(connection);
        if (channel.isEmpty()) {
            return Optional.empty();
        }
        boolean onServiceListener = serviceListeners.contains(channel.get().parent());
        if (onServiceListener && !service) {
            return Optional.of("only the service logs in on its own listener");
        }
        if (!service && !onServiceListener) {
            Optional<Instant> banned = address(channel.get()).flatMap(throttle::bannedUntil);
            if (banned.isPresent()) {
                return Optional.of("its address is banned until " + banned.get() + " after wrong logins");
            }
        }
        channel.get().attr(ADMITTED).set(Boolean.TRUE);
        ConnectionGuard.stepAside(channel.get());
        return Optional.empty();
    }

    /** Wrong or missing credentials: counts against the address (not on the service's listener). */
    void loginFailed(RemotingConnection connection) {
        channel(connection)
                .filter(c -> !serviceListeners.contains(c.parent()))
                .flatMap(ListenerGuard::address)
                .ifPresent(address -> throttle.failed(address)
                        .ifPresent(ban -> LOG.warn(
                                "MQTT logins from {} refused for {} s after {} wrong ones within a minute",
                                address.getHostAddress(),
                                ban.toSeconds(),
                                limits.loginFailuresPerIp())));
    }

    int connectionsFrom(InetAddress address) {
        return connections.getOrDefault(address, 0);
    }

    private static Optional<Channel> channel(RemotingConnection connection) {
        return connection != null && connection.getTransportConnection() instanceof NettyConnection netty
                ? Optional.ofNullable(netty.getChannel())
                : Optional.empty();
    }

    private static Optional<InetAddress> address(Channel channel) {
        return channel.remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
                ? Optional.of(a.getAddress())
                : Optional.empty();
    }

    static boolean admitted(Channel channel) {
        return Boolean.TRUE.equals(channel.attr(ADMITTED).get());
    }

    /** One line at most every {@link #LOG_EVERY} for refused connections, with how many there were. */
    private void logRefusal(InetAddress address, String why) {
        long now = clock.millis();
        long last = lastRefusalLog.get();
        long refused = refusedSinceLog.incrementAndGet();
        if (now - last >= LOG_EVERY.toMillis() && lastRefusalLog.compareAndSet(last, now)) {
            refusedSinceLog.addAndGet(-refused);
            LOG.warn(
                    "MQTT connection from {} refused: {} ({} refused in the last {} s)",
                    address.getHostAddress(),
                    why,
                    refused,
                    LOG_EVERY.toSeconds());
        }
    }

    private Optional<String> refusal(InetAddress address) {
        if (throttle.bannedUntil(address).isPresent()) {
            return Optional.of("banned after wrong logins");
        }
        boolean[] allowed = {false};
        connections.compute(address, (a, n) -> {
            int open = n == null ? 0 : n;
            if (limits.maxConnectionsPerIp() > 0 && open >= limits.maxConnectionsPerIp()) {
                return n;
            }
            allowed[0] = true;
            return open + 1;
        });
        return allowed[0]
                ? Optional.empty()
                : Optional.of(
                        limits.maxConnectionsPerIp() + " connections open from there (MQTT_MAX_CONNECTIONS_PER_IP)");
    }

    private void closed(InetAddress address) {
        connections.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
    }

    /** On a listener's server channel: sees each accepted connection before Artemis sets it up. */
    @ChannelHandler.Sharable
    private final class Gate extends ChannelInboundHandlerAdapter {
        private final boolean limited;
        private final Optional<WebSocketOrigins> origins;

        Gate(boolean limited, Optional<WebSocketOrigins> origins) {
            this.limited = limited;
            this.origins = origins;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Channel child) {
                Optional<InetAddress> address = address(child);
                if (limited && address.isPresent()) {
                    Optional<String> refusal = refusal(address.get());
                    if (refusal.isPresent()) {
                        logRefusal(address.get(), refusal.get());
                        child.unsafe().closeForcibly();
                        return;
                    }
                    child.closeFuture().addListener(f -> closed(address.get()));
                }
                if (limited
                        && limits.maxInputBacklog() > 0
                        && child.config() instanceof io.netty.channel.epoll.EpollSocketChannelConfig epoll) {
                    // level-triggered, as the NIO transport is: a connection whose reads InputBacklog paused is read
                    // once per read asked for; edge-triggered, Netty reads until the socket is empty (megabytes on
                    // loopback) whatever auto-read says (decision 0028)
                    epoll.setEpollMode(io.netty.channel.epoll.EpollMode.LEVEL_TRIGGERED);
                }
                child.pipeline().addLast("ai-chatroom-guard-installer", new Installer(origins));
            }
            ctx.fireChannelRead(msg);
        }
    }

    /** Runs once Artemis has built the connection's pipeline, and puts the guard right after TLS. */
    private final class Installer extends ChannelInboundHandlerAdapter {
        private final Optional<WebSocketOrigins> origins;

        Installer(Optional<WebSocketOrigins> origins) {
            this.origins = origins;
        }

        @Override
        public void channelRegistered(ChannelHandlerContext ctx) {
            if (limits.maxInputBacklog() > 0) {
                // reads of at most 64 KiB, and 1 KiB while InputBacklog paused the connection (decision 0028)
                ctx.channel().config().setRecvByteBufAllocator(new InputBacklog.Reads());
            }
            ChannelPipeline pipeline = ctx.pipeline();
            pipeline.addBefore(
                    pipeline.lastContext().name(), "ai-chatroom-guard", new ConnectionGuard(limits, origins));
            pipeline.remove(this);
            ctx.fireChannelRegistered();
        }
    }
}
