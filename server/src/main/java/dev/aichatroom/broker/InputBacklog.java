package dev.aichatroom.broker;

import dev.aichatroom.mqtt.TopicFilter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.util.UncheckedBooleanSupplier;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.activemq.artemis.core.remoting.impl.netty.NettyConnection;
import org.apache.activemq.artemis.core.server.Queue;
import org.apache.activemq.artemis.core.server.ServerConsumer;
import org.apache.activemq.artemis.core.server.plugin.ActiveMQServerConsumerPlugin;
import org.apache.activemq.artemis.spi.core.protocol.RemotingConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Back-pressure on chat inputs (docs/decisions/0028-input-back-pressure.md): while the chat service's input queues on
 * this broker hold more than {@code limit} messages, a client whose chat input the broker just took has its socket's
 * reads paused until the queues are down to half of that, with one small read ({@link #PAUSED_READ_BYTES}) every
 * {@link #MAX_PAUSE} meanwhile. Without it the broker took every input as fast as clients sent them: past the rate the
 * service handles, the broker spent the cores on taking and journalling inputs the service could not get to, the
 * growing backlog made every young collection copy it again, and the service handled fewer than half of what it
 * handles at its saturation (issue 13, the curve).
 *
 * <p>Nothing is refused or dropped: what a paused client sends waits in its socket (and, past the socket's buffers, in
 * the client), as it would behind any slow TCP receiver. The service's own connections are never paused.
 */
final class InputBacklog implements ActiveMQServerConsumerPlugin {
    private static final Logger LOG = LoggerFactory.getLogger(InputBacklog.class);
    /**
     * Longest a client's reads stay paused before it gets one read: far below any keep-alive the broker enforces, so a
     * client is not cut while the service is behind, and a service that stopped consuming slows clients rather than
     * stopping them.
     */
    static final Duration MAX_PAUSE = Duration.ofSeconds(1);

    /**
     * What one read of a paused connection takes from its socket (a connection reading freely takes up to 64 KiB at a
     * time): about fifteen chat inputs, or one whole packet when a packet is larger.
     */
    static final int PAUSED_READ_BYTES = 1024;

    private static final long TICK_MILLIS = 5;
    private static final int TOPIC_ALIAS = MqttProperties.MqttPropertyType.TOPIC_ALIAS.value();
    /** Aliases remembered per connection; Artemis refuses more than its topic alias maximum anyway. */
    private static final int MAX_ALIASES = 65_535;

    private static final Duration LOG_EVERY = Duration.ofSeconds(10);

    private final int limit;
    /** Chat inputs taken in-process (decision 0050) and not stored yet. */
    private final java.util.function.LongSupplier taken;

    private final String serviceUser;
    private final Function<String, Optional<String>> usernameOfSession;
    private final Predicate<String> isInputFilter;
    private final Predicate<String> isInput;
    /** The chat service's input queues, with how many of its consumers each has. */
    private final Map<Queue, Integer> queues = new ConcurrentHashMap<>();
    /** Paused channels, with when they were paused (nanoTime). */
    private final Map<Channel, Long> paused = new ConcurrentHashMap<>();

    private final AtomicBoolean ticking = new AtomicBoolean();
    private final AtomicLong pauses = new AtomicLong();
    private final AtomicLong lastLog = new AtomicLong(System.nanoTime() - LOG_EVERY.toNanos());
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon(true).name("broker-input-backlog").factory());

    /**
     * @param limit most chat inputs waiting for the service before publishers are paused; 0 = never
     * @param serviceUser the user the chat service logs in as: its consumers are the ones watched, it is never paused
     * @param usernameOfSession the user a broker session logged in as
     * @param inputFilters the MQTT topic filters the chat service reads its inputs from
     * @param taken the chat inputs the service took in-process (decision 0050) and has not stored yet
     */
    InputBacklog(
            int limit,
            String serviceUser,
            Function<String, Optional<String>> usernameOfSession,
            List<String> inputFilters,
            java.util.function.LongSupplier taken) {
        this.limit = limit;
        this.taken = taken;
        this.serviceUser = serviceUser;
        this.usernameOfSession = usernameOfSession;
        List<String> filters = List.copyOf(inputFilters);
        this.isInputFilter = filters::contains;
        this.isInput = topic -> {
            for (String filter : filters) {
                if (TopicFilter.matches(filter, topic)) {
                    return true;
                }
            }
            return false;
        };
    }

    @Override
    public void afterCreateConsumer(ServerConsumer consumer) {
        if (isServiceInputQueue(consumer)) { // watched even without a limit: see queued()
            queues.merge(consumer.getQueue(), 1, Integer::sum);
        }
    }

    @Override
    public void afterCloseConsumer(ServerConsumer consumer, boolean failed) {
        // a queue no service consumer reads any more is not watched: a service that is gone pauses no one
        queues.computeIfPresent(consumer.getQueue(), (q, n) -> n <= 1 ? null : n - 1);
    }

    private boolean isServiceInputQueue(ServerConsumer consumer) {
        Queue queue = consumer.getQueue();
        return queue != null
                && queue.getAddress() != null
                && usernameOfSession
                        .apply(consumer.getSessionID())
                        .filter(serviceUser::equals)
                        .isPresent()
                && isInputFilter.test(
                        BrokerSecurity.mqttTopic(queue.getAddress().toString()));
    }

    /** Whether a session logged in as the chat service itself. */
    boolean isService(String username) {
        return serviceUser.equals(username);
    }

    /**
     * Chat inputs the service has not acknowledged yet (queued, or delivered and not acknowledged), and those it took
     * in-process and has not stored yet.
     */
    long backlog() {
        return taken.getAsLong() + queued();
    }

    /**
     * Chat inputs in the service's input queues (queued, or delivered and not acknowledged): while there are any, new
     * ones go into the queues too, behind them, rather than to the service in-process (decision 0050), so that one
     * publisher's inputs keep their order when the service starts taking them in-process.
     */
    long queued() {
        long total = 0;
        for (Queue q : queues.keySet()) {
            total += q.getMessageCount();
        }
        return total;
    }

    /** How many times a client's reads were paused since the start. */
    long pauses() {
        return pauses.get();
    }

    /**
     * Watches the chat inputs a client sends (not the service's own connections): its handler sits right after the
     * connection's MQTT decoder, on its event loop, so the read that brought an input over the limit is the last one
     * until the pause ends (a handler further on would see the input only after Netty had read whatever the socket
     * held: on loopback, megabytes).
     */
    void install(Channel channel) {
        if (limit == 0) {
            return;
        }
        ChannelPipeline pipeline = channel.pipeline();
        ChannelHandlerContext decoder = pipeline.context(MqttDecoder.class);
        if (decoder != null && pipeline.get(Reader.class) == null) {
            pipeline.addAfter(decoder.name(), "ai-chatroom-input-backlog", new Reader());
        }
    }

    /**
     * The broker has routed an input from {@code connection} (its send hook, on a broker thread): it no longer waits
     * in the connection's own count.
     */
    void routed(RemotingConnection connection) {
        if (connection != null
                && connection.getTransportConnection() instanceof NettyConnection netty
                && netty.getChannel() != null
                && netty.getChannel().pipeline().get(Reader.class) instanceof Reader reader) {
            reader.routed();
        }
    }

    /**
     * How the public listeners' connections read their sockets while back-pressure is on: Netty's adaptive reads (at
     * most 64 KiB at a time; Artemis' acceptor would read up to its TCP receive buffer at once), and {@link
     * #PAUSED_READ_BYTES} while their reads are paused. Paused, a connection is read once a second so that the broker
     * still hears from it; a 64 KiB read was a thousand inputs of the HiveMQ client (which aliases the topic): a
     * second's read let as many through as the service stores in a second, and a paused flood was hardly slowed.
     */
    static final class Reads extends AdaptiveRecvByteBufAllocator {
        @Override
        public Handle newHandle() {
            return new PausableHandle((RecvByteBufAllocator.ExtendedHandle) super.newHandle());
        }
    }

    /** Netty's adaptive handle, except that a connection whose auto-read is off (paused) reads little at a time. */
    private static final class PausableHandle implements RecvByteBufAllocator.ExtendedHandle {
        private final RecvByteBufAllocator.ExtendedHandle adaptive;
        private ChannelConfig config;

        PausableHandle(RecvByteBufAllocator.ExtendedHandle adaptive) {
            this.adaptive = adaptive;
        }

        @Override
        public ByteBuf allocate(ByteBufAllocator alloc) {
            return alloc.ioBuffer(guess());
        }

        @Override
        public int guess() {
            // only InputBacklog turns a client connection's auto-read off (Artemis 2.55 never does, for MQTT)
            return config != null && !config.isAutoRead() ? PAUSED_READ_BYTES : adaptive.guess();
        }

        @Override
        public void reset(ChannelConfig config) {
            this.config = config;
            adaptive.reset(config);
        }

        @Override
        public void incMessagesRead(int numMessages) {
            adaptive.incMessagesRead(numMessages);
        }

        @Override
        public void lastBytesRead(int bytes) {
            adaptive.lastBytesRead(bytes);
        }

        @Override
        public int lastBytesRead() {
            return adaptive.lastBytesRead();
        }

        @Override
        public void attemptedBytesRead(int bytes) {
            adaptive.attemptedBytesRead(bytes);
        }

        @Override
        public int attemptedBytesRead() {
            return adaptive.attemptedBytesRead();
        }

        @Override
        public boolean continueReading() {
            return adaptive.continueReading();
        }

        @Override
        public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
            return adaptive.continueReading(maybeMoreDataSupplier);
        }

        @Override
        public void readComplete() {
            adaptive.readComplete();
        }
    }

    /**
     * Passes every packet on; after a chat input, pauses the connection's reads while the service is behind. Artemis
     * handles the decoded packets on its own threads, after this: the inputs handed on and not yet routed into the
     * service's queues are counted here, per connection (a connection that sent many at once is paused for its own,
     * and an input the broker refused before routing, which is never uncounted, weighs on its sender only).
     */
    private final class Reader extends ChannelInboundHandlerAdapter {
        private final AtomicLong unrouted = new AtomicLong();

        /**
         * MQTT 5 topic aliases the client set (the HiveMQ client maps every topic it publishes to by default); empty
         * and shared until the first one, so that an idle connection carries no map.
         */
        private Map<Integer, String> aliases = Map.of();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            boolean input = msg instanceof MqttPublishMessage publish && isInput.test(topic(publish));
            if (input) {
                unrouted.incrementAndGet();
            }
            ctx.fireChannelRead(msg);
            if (input && !queues.isEmpty() && behind(this) > limit) {
                pause(ctx.channel());
            }
        }

        /** The PUBLISH's topic, through its alias when it has one. */
        private String topic(MqttPublishMessage publish) {
            String name = publish.variableHeader().topicName();
            MqttProperties.MqttProperty<?> alias =
                    publish.variableHeader().properties().getProperty(TOPIC_ALIAS);
            if (alias == null || !(alias.value() instanceof Integer id)) {
                return name;
            }
            if (name == null || name.isEmpty()) {
                return aliases.getOrDefault(id, "");
            }
            if (aliases.size() < MAX_ALIASES || aliases.containsKey(id)) {
                if (aliases.isEmpty()) {
                    aliases = new java.util.HashMap<>();
                }
                aliases.put(id, name);
            }
            return name;
        }

        void routed() {
            unrouted.updateAndGet(n -> Math.max(0, n - 1));
        }
    }

    /** What the service has yet to take, as seen from one connection: its queues and the connection's unrouted inputs. */
    private long behind(Reader reader) {
        return backlog() + reader.unrouted.get();
    }

    private void pause(Channel channel) {
        if (paused.putIfAbsent(channel, System.nanoTime()) != null) {
            return;
        }
        channel.config().setAutoRead(false);
        pauses.incrementAndGet();
        report(backlog());
        tick();
    }

    private void tick() {
        if (ticking.compareAndSet(false, true)) {
            try {
                ticker.schedule(this::resume, TICK_MILLIS, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                ticking.set(false);
            }
        }
    }

    /**
     * Resumes every paused client once the service is down to half the limit; a client paused for {@link #MAX_PAUSE}
     * gets one read (of {@link #PAUSED_READ_BYTES}, or one packet if it is larger) and stays paused.
     */
    private void resume() {
        ticking.set(false);
        long backlog = backlog();
        long now = System.nanoTime();
        int resumed = 0;
        for (Map.Entry<Channel, Long> e : paused.entrySet()) {
            Channel channel = e.getKey();
            long behind = backlog + (channel.pipeline().get(Reader.class) instanceof Reader r ? r.unrouted.get() : 0);
            if (behind <= limit / 2 || !channel.isActive()) {
                if (paused.remove(channel, e.getValue())) {
                    channel.config().setAutoRead(true);
                    resumed++;
                }
            } else if (now - e.getValue() >= MAX_PAUSE.toNanos() && paused.replace(channel, e.getValue(), now)) {
                // one read of PAUSED_READ_BYTES, auto-read still off: the broker hears from the client at least this
                // often
                channel.read();
            }
        }
        if (resumed > 0) {
            report(backlog);
        }
        if (!paused.isEmpty()) {
            tick();
        }
    }

    /** One line at most every {@link #LOG_EVERY}, at a pause or a resume: the episode, not every pause. */
    private void report(long backlog) {
        long now = System.nanoTime();
        long last = lastLog.get();
        if (now - last >= LOG_EVERY.toNanos() && lastLog.compareAndSet(last, now)) {
            LOG.info(
                    "Chat service behind: publishers' reads paused {} time(s) so far while more than {} inputs waited"
                            + " (MQTT_INPUT_BACKLOG); {} wait now",
                    pauses.get(),
                    limit,
                    backlog);
        }
    }

    /** Resumes everyone and stops. */
    void close() {
        ticker.shutdownNow();
        paused.keySet().forEach(c -> c.config().setAutoRead(true));
        paused.clear();
        queues.clear();
    }

    /** The queues watched (for tests). */
    Set<Queue> watched() {
        return queues.keySet();
    }
}
