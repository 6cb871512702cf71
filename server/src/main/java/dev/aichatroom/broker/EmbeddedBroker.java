package dev.aichatroom.broker;

import dev.aichatroom.broker.artemis.NewAddressRouting;
import dev.aichatroom.broker.artemis.OutputDuplicates;
import dev.aichatroom.broker.artemis.PublisherOrder;
import dev.aichatroom.mqtt.TopicFilter;
import dev.aichatroom.tls.TlsIdentity;
import dev.aichatroom.tls.TlsPolicy;
import io.netty.channel.ChannelPipeline;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.stream.Stream;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.postoffice.QueueBinding;
import org.apache.activemq.artemis.core.remoting.impl.netty.NettyConnection;
import org.apache.activemq.artemis.core.remoting.server.impl.RemotingServiceImpl;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.JournalType;
import org.apache.activemq.artemis.core.server.Queue;
import org.apache.activemq.artemis.core.server.impl.ActiveMQServerImpl;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.apache.activemq.artemis.spi.core.protocol.ConnectionEntry;
import org.apache.activemq.artemis.spi.core.protocol.RemotingConnection;
import org.apache.activemq.artemis.spi.core.remoting.Acceptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ActiveMQ Artemis with its MQTT module, in this process: MQTT 5 and 3.1.1 on TCP and WebSocket, persistent sessions
 * and retained messages in a journal under the data directory. See docs/decisions/0001-embedded-broker.md.
 */
public final class EmbeddedBroker implements Broker {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedBroker.class);
    private static final Duration QUIESCE_LIMIT = Duration.ofSeconds(2);
    private static final Duration QUIESCE_CHECK = Duration.ofMillis(10);
    private static final int QUIESCE_IDLE_CHECKS = 5;
    /** How long an address nobody subscribes to stays before it is removed (and how often that is checked). */
    private static final Duration ADDRESS_LINGER = Duration.ofSeconds(5);
    /** Artemis's default for NIO: syncs are gathered for up to this long, each fdatasync serving all of them. */
    private static final int SYNC_BUFFER_TIMEOUT_NANOS = 3_333_333;
    /**
     * The broker blocks its producers when the disk holding its journal has less than this left. Artemis' default
     * blocks them once the disk is 90 % full, however large it is: 27 GB free of 270 GB stopped every QoS 1 publish.
     */
    static final long MIN_DISK_FREE_BYTES = 512L * 1024 * 1024;
    /** The acceptors' names: plain MQTT, MQTT over WebSocket (wss:// with a certificate), MQTT over TLS. */
    private static final String TCP = "mqtt";

    private static final String WEBSOCKET = "mqtt-ws";
    private static final String TLS = "mqtt-tls";
    /** The service's own plain listener on loopback, on a free port: exempt from the per-address limits. */
    private static final String SERVICE = "mqtt-service";

    private static final String SERVICE_USER = "ai-chatroom-service";

    /**
     * The field of an output's JSON payload that names it, and how many of the latest ids of each output topic the
     * broker keeps to recognise an output the service publishes again after a crash (decision 0041).
     */
    private static final String OUTPUT_ID_FIELD = "message_id";

    static final int OUTPUT_ID_CACHE = 2_000;

    private final BrokerConfig config;
    private final Credentials service;
    private final BrokerSecurity security;
    private final BrokerHooks hooks;
    private final ListenerGuard guard;
    private final KeepAlive keepAlive;
    private final InputBacklog backlog;
    private final SubscriberQueues subscriberQueues;
    private final DiskFloor diskFloor = new DiskFloor();
    /** The MQTT filters of the service's outputs that are routed once each (decision 0041); empty: none. */
    private final List<String> onceOutputs;

    private volatile ActiveMQServer server;
    private int servicePort;
    private final NewAddressRouting newAddresses;
    private final OutputDuplicates duplicates;
    private final LocalOutputs localOutputs;
    private Path keyStoreFile;
    private final char[] keyStorePassword = randomSecret().toCharArray();

    public EmbeddedBroker(
            BrokerConfig config,
            AccessPolicy policy,
            List<Authenticator> authenticators,
            ClientListener clients,
            List<PublishInspector> inspectors) {
        this(config, policy, authenticators, clients, inspectors, List.of());
    }

    /**
     * @param onceOutputs MQTT filters of the service's outputs (JSON with a {@code message_id}) that the broker routes
     *     once each, even when the service publishes one again after a crash (decision 0041)
     */
    public EmbeddedBroker(
            BrokerConfig config,
            AccessPolicy policy,
            List<Authenticator> authenticators,
            ClientListener clients,
            List<PublishInspector> inspectors,
            List<String> onceOutputs) {
        this.onceOutputs = List.copyOf(onceOutputs);
        // extra authenticators (browser tokens) do not count: devices still need an account
        if (!config.anonymousAllowed() && config.accounts().isEmpty()) {
            throw new BrokerException("the broker requires accounts (it listens on " + config.bind()
                    + ") but has none: set MQTT_USERNAME and MQTT_PASSWORD or MQTT_ACCOUNTS_FILE, or bind to"
                    + " 127.0.0.1 with MQTT_BIND");
        }
        if (config.anonymousAllowed() && !BrokerConfig.isLoopback(config.bind())) {
            LOG.warn(
                    "MQTT_ALLOW_ANONYMOUS=true on {}: anyone who can reach this address may use the broker",
                    config.bind());
        }
        this.config = config;
        this.service = new Credentials(SERVICE_USER, randomSecret());
        this.guard = new ListenerGuard(config.limits(), Clock.systemUTC());
        this.security = new BrokerSecurity(
                service.username(), service.password(), config, authenticators, policy, clients, guard);
        this.keepAlive = new KeepAlive(this::connectionEntry);
        List<PublishInspector> pressing =
                inspectors.stream().filter(PublishInspector::backPressure).toList();
        List<String> backPressured =
                pressing.stream().flatMap(i -> i.topicFilters().stream()).toList();
        this.backlog = new InputBacklog(
                config.limits().maxInputBacklog(),
                SERVICE_USER,
                session -> Optional.ofNullable(server)
                        .map(s -> s.getSessionByID(session))
                        .map(org.apache.activemq.artemis.core.server.ServerSession::getUsername),
                backPressured,
                () -> {
                    long waiting = 0;
                    for (PublishInspector inspector : pressing) {
                        waiting += inspector.waiting();
                    }
                    return waiting;
                });
        this.hooks = new BrokerHooks(clients, inspectors, security, guard, keepAlive, backlog);
        this.subscriberQueues = new SubscriberQueues(config.limits().maxQueuedMessages(), SERVICE_USER);
        this.newAddresses = new NewAddressRouting((session, address) ->
                security.maySend(session.getRemotingConnection().getSubject(), address.toString()));
        this.duplicates = new OutputDuplicates(SERVICE_USER, this::isOnceOutput, OUTPUT_ID_FIELD);
        this.localOutputs =
                new LocalOutputs(() -> server, this::isOnceTopic, OUTPUT_ID_FIELD, newAddresses, diskFloor, duplicates);
    }

    /** The service's chat messages routed in this process instead of through its MQTT connection (decision 0052). */
    public LocalOutputs localOutputs() {
        return localOutputs;
    }

    private static String randomSecret() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    @Override
    public void start() {
        long started = System.nanoTime();
        try {
            // a private MBean server: Artemis registers nothing in it with JMX management off, and asking for the
            // platform's creates and registers every JVM MXBean first (about 0.15 s of CPU at start, issue 13)
            server = new ActiveMQServerImpl(configuration(), MBeanServerFactory.newMBeanServer(), security);
            server.registerBrokerPlugin(diskFloor); // first: nothing else is done for a publish it refuses
            server.registerBrokerPlugin(new PublisherOrder());
            server.registerBrokerPlugin(hooks);
            server.registerBrokerPlugin(backlog);
            server.registerBrokerPlugin(subscriberQueues);
            server.registerBrokerPlugin(newAddresses);
            if (!onceOutputs.isEmpty()) {
                server.registerBrokerPlugin(duplicates);
            }
            server.start();
            subscriberQueues.applyTo(server);
            // a management notification for every session, consumer and binding (two sessions per MQTT connection),
            // each a message with a dozen properties whose text is built for the log: only cluster connections and
            // JMX listen to them, and this broker has neither (issue 13: they were a large part of what a CONNECT
            // allocates)
            server.getManagementService().enableNotifications(false);
            server.getRemotingService().addIncomingInterceptor(hooks);
            server.getRemotingService().addIncomingInterceptor(subscriberQueues);
            server.getRemotingService().addIncomingInterceptor(keepAlive.incoming());
            server.getRemotingService().addOutgoingInterceptor(keepAlive.outgoing());
            for (Acceptor acceptor : server.getRemotingService().getAcceptors().values()) {
                if (!acceptor.isStarted()) {
                    throw new BrokerException(
                            "cannot listen on " + config.bind() + ":" + acceptor.getName() + " ("
                                    + acceptorPort(acceptor.getName())
                                    + "): is another broker running? Change MQTT_PORT / MQTT_WS_PORT / MQTT_TLS_PORT or stop it");
                }
                guard.install(
                        acceptor,
                        acceptor.getName().equals(SERVICE),
                        acceptor.getName().equals(WEBSOCKET) ? Optional.of(config.origins()) : Optional.empty());
            }
            servicePort = ListenerGuard.boundPort(server.getRemotingService().getAcceptor(SERVICE));
        } catch (BrokerException e) {
            close();
            throw e;
        } catch (Exception e) {
            close();
            throw new BrokerException("the embedded MQTT broker did not start: " + e.getMessage(), e);
        }
        LOG.info(
                "Embedded MQTT broker listening on {} in {} ms, {}",
                String.join(", ", listeners()),
                (System.nanoTime() - started) / 1_000_000,
                config.anonymousAllowed() ? "anonymous clients allowed (loopback only)" : "accounts required");
    }

    /** The public listeners, for the start-up line. */
    private List<String> listeners() {
        boolean tls = config.tls().isPresent();
        List<String> out = new java.util.ArrayList<>();
        String at = config.bind() + ":";
        out.add(
                config.port() > 0
                        ? at + config.port() + " (TCP)"
                        : "no plain TCP (TLS on " + config.bind() + ": TLS_ALLOW_PLAINTEXT=true would open MQTT_PORT)");
        if (tls && config.tlsPort() > 0) {
            out.add(at + config.tlsPort() + " (TLS)");
        }
        if (config.wsPort() > 0) {
            out.add(at + config.wsPort() + (tls ? " (WebSocket /mqtt, TLS)" : " (WebSocket /mqtt)"));
        }
        return out;
    }

    private Configuration configuration() throws Exception {
        String dir = config.dataDir().toAbsolutePath().toString();
        Configuration c = new ConfigurationImpl()
                .setName("ai-chatroom")
                .setPersistenceEnabled(true)
                // MQTT_JOURNAL_SYNC (docs/decisions/0014-journal-sync.md, 0038-mapped-journal.md): fdatasync before a
                // QoS 1 acknowledgement, syncs gathered in a timed buffer (NIO); or, by default, each record copied
                // into the journal file's memory-mapped pages (the operating system's page cache, which outlives the
                // process) on the journal's thread, with no buffer, no timer thread and no writer thread in between
                .setJournalType(config.journalSync() ? JournalType.NIO : JournalType.MAPPED)
                .setJournalDirectory(dir + "/journal")
                .setJournalDatasync(config.journalSync())
                .setJournalBufferTimeout_NIO(config.journalSync() ? SYNC_BUFFER_TIMEOUT_NANOS : 0)
                .setBindingsDirectory(dir + "/bindings")
                .setPagingDirectory(dir + "/paging")
                .setLargeMessagesDirectory(dir + "/large-messages")
                .setNodeManagerLockDirectory(dir)
                .setSecurityEnabled(true)
                .setAuthenticationCacheSize(0)
                .setAuthorizationCacheSize(0)
                .setJMXManagementEnabled(false)
                .setMaxDiskUsage(-1)
                .setMinDiskFree(MIN_DISK_FREE_BYTES)
                .setMqttSessionScanInterval(500)
                .setCriticalAnalyzer(false);
        // where Artemis would move undeliverable or expired messages; named so it does not warn on every queue.
        // A topic published to without subscribers is an address that Artemis keeps for good unless it was bound
        // once: remove any auto-created address nobody subscribes to after ADDRESS_LINGER (issue 15: 3,000 joins to
        // distinct rooms grew the heap for good). Retained messages live in queues of their own and stay.
        c.addAddressSetting(
                "#",
                new AddressSettings()
                        .setDeadLetterAddress(SimpleString.of("$sys.dla"))
                        .setExpiryAddress(SimpleString.of("$sys.expired"))
                        .setAutoDeleteAddresses(true)
                        .setAutoDeleteAddressesSkipUsageCheck(true)
                        .setAutoDeleteAddressesDelay(ADDRESS_LINGER.toMillis()));
        c.setAddressQueueScanPeriod(ADDRESS_LINGER.toMillis());
        for (String filter : onceOutputs) {
            // the outputs' duplicate ids: Artemis' default keeps 20,000 per address, in memory and in the journal
            c.addAddressSetting(coreMatch(filter), new AddressSettings().setIDCacheSize(OUTPUT_ID_CACHE));
        }
        String tls = config.tls().map(this::tlsParameters).orElse("");
        c.addAcceptorConfiguration(SERVICE, acceptorUrl("127.0.0.1", 0, ""));
        if (config.port() > 0) {
            c.addAcceptorConfiguration(TCP, acceptorUrl(config.bind(), config.port(), ""));
        }
        if (config.wsPort() > 0) {
            c.addAcceptorConfiguration(WEBSOCKET, acceptorUrl(config.bind(), config.wsPort(), tls));
        }
        if (!tls.isEmpty() && config.tlsPort() > 0) {
            c.addAcceptorConfiguration(TLS, acceptorUrl(config.bind(), config.tlsPort(), tls));
        }
        return c;
    }

    /** Whether a core address is one of the outputs routed once. */
    private boolean isOnceOutput(SimpleString address) {
        return isOnceTopic(BrokerSecurity.mqttTopic(address.toString()));
    }

    /** Whether an MQTT topic is one of the outputs routed once. */
    private boolean isOnceTopic(String topic) {
        for (String filter : onceOutputs) {
            if (TopicFilter.matches(filter, topic)) {
                return true;
            }
        }
        return false;
    }

    /** An MQTT filter as an address-settings match ({@code a/+/b} → {@code a.*.b}). */
    static String coreMatch(String mqttFilter) {
        return mqttFilter.replace('/', '.').replace('+', '*');
    }

    private String acceptorPort(String acceptor) {
        return switch (acceptor) {
            case WEBSOCKET -> "port " + config.wsPort();
            case TLS -> "port " + config.tlsPort();
            case SERVICE -> "a free port on 127.0.0.1";
            default -> "port " + config.port();
        };
    }

    private String acceptorUrl(String bind, int port, String tls) {
        String host = bind.contains(":") ? "[" + bind + "]" : bind;
        // serverKeepAlive: for MQTT 5 clients that ask for none or more (KeepAlive gives 3.1.1 clients their own);
        // maximumPacketSize is told to MQTT 5 clients in CONNACK (ListenerGuard enforces it before buffering)
        return "tcp://" + host + ":" + port + "?protocols=MQTT"
                + ";closeMqttConnectionOnPublishAuthorizationFailure=false"
                + ";serverKeepAlive=" + KeepAlive.SERVER_SECONDS
                + ";maximumPacketSize=" + config.limits().maxPacketSize()
                + tls;
    }

    /** Artemis reads a key store from a file: the identity is written under the data directory while it runs. */
    private String tlsParameters(TlsIdentity identity) {
        keyStoreFile = config.dataDir().toAbsolutePath().resolve("tls").resolve("server.p12");
        identity.writePkcs12(keyStoreFile, keyStorePassword);
        return ";sslEnabled=true;keyStoreType=PKCS12;keyStorePath=" + keyStoreFile + ";keyStorePassword="
                + new String(keyStorePassword)
                + ";enabledProtocols=" + String.join(",", TlsPolicy.PROTOCOLS)
                + ";enabledCipherSuites=" + String.join(",", TlsPolicy.CIPHER_SUITES);
    }

    /**
     * Serves a renewed certificate: rewrites the key store and has the TLS listeners read it again. New connections
     * get the new certificate; connections already open keep theirs.
     */
    public void reloadTls(TlsIdentity identity) {
        if (server == null || keyStoreFile == null) {
            return;
        }
        identity.writePkcs12(keyStoreFile, keyStorePassword);
        for (String name : List.of(WEBSOCKET, TLS)) {
            Acceptor acceptor = server.getRemotingService().getAcceptor(name);
            if (acceptor != null) {
                acceptor.reload();
            }
        }
    }

    /** Connections open on every listener, the product's own included; 0 while the broker is not running. */
    public int connectionCount() {
        ActiveMQServer running = server;
        return running == null || !running.isStarted()
                ? 0
                : running.getRemotingService().getConnections().size();
    }

    /** The broker's entry for a connection: its TTL is the connection's keep-alive. */
    private Optional<ConnectionEntry> connectionEntry(Object connectionId) {
        ActiveMQServer running = server;
        return running != null && running.getRemotingService() instanceof RemotingServiceImpl remoting
                ? Optional.ofNullable(remoting.getConnectionEntry(connectionId))
                : Optional.empty();
    }

    /** The service connects to its own listener on loopback. */
    @Override
    public String host() {
        return "127.0.0.1";
    }

    @Override
    public int port() {
        return servicePort;
    }

    /** The MBean server Artemis was given (tests: not the platform's). */
    MBeanServer mbeanServer() {
        return server.getMBeanServer();
    }

    /** The Netty pipelines of the connections open now, the service's included (tests: what an idle one keeps). */
    List<ChannelPipeline> pipelines() {
        ActiveMQServer running = server;
        return running == null
                ? List.of()
                : running.getRemotingService().getConnections().stream()
                        .map(RemotingConnection::getTransportConnection)
                        .filter(c -> c instanceof NettyConnection)
                        .map(c -> ((NettyConnection) c).getChannel().pipeline())
                        .toList();
    }

    /** How many addresses (topics) the broker holds now. */
    int addressCount() {
        return server == null ? 0 : server.getPostOffice().getAddresses().size();
    }

    /** How many messages wait in the subscription queues of an MQTT client id (Artemis names them {@code id.filter}). */
    long queuedFor(String clientId) {
        return clientQueues(clientId).mapToLong(Queue::getMessageCount).sum();
    }

    /**
     * How many messages wait in the subscription queues of an MQTT client id and have not been sent towards it yet
     * (tests: what {@code MQTT_MAX_QUEUED_MESSAGES} bounds).
     */
    long waitingFor(String clientId) {
        return clientQueues(clientId)
                .mapToLong(q -> q.getMessageCount() - q.getDeliveringCount())
                .sum();
    }

    /** Subscription queues of sessions with expiry 0 asked for and not created yet (tests). */
    int pendingInMemoryQueues() {
        return subscriberQueues.pending();
    }

    /** Whether each subscription queue of an MQTT client id is kept in the journal (tests). */
    List<Boolean> durability(String clientId) {
        return clientQueues(clientId).map(Queue::isDurable).toList();
    }

    private Stream<Queue> clientQueues(String clientId) {
        ActiveMQServer running = server;
        return running == null
                ? Stream.empty()
                : queues(running).filter(q -> q.getName().toString().startsWith(clientId + "."));
    }

    /** Every queue the broker holds. */
    static Stream<Queue> queues(ActiveMQServer server) {
        return server.getPostOffice()
                .getAllBindings()
                .filter(b -> b instanceof QueueBinding)
                .map(b -> ((QueueBinding) b).getQueue());
    }

    @Override
    public Credentials serviceCredentials() {
        return service;
    }

    @Override
    public Optional<String> problem() {
        return diskFloor.problem();
    }

    /**
     * Lets the broker finish what its clients already sent before it stops. Artemis stops its journal without
     * waiting for the deletions that complete asynchronously after a retained message is replaced or a message is
     * acknowledged; stopped in the middle, it logs AMQ222153 with a stack trace and the replaced message comes back at
     * the next start (a cleared presence reappears). So: no new connections, then wait until the broker's worker
     * threads have been idle for a moment, for at most {@link #QUIESCE_LIMIT}.
     */
    private void quiesce() {
        server.getRemotingService().pauseAcceptors();
        if (!(server.getThreadPool() instanceof ThreadPoolExecutor pool)) {
            return;
        }
        long deadline = System.nanoTime() + QUIESCE_LIMIT.toNanos();
        int idle = 0;
        while (idle < QUIESCE_IDLE_CHECKS && System.nanoTime() < deadline) {
            idle = pool.getActiveCount() == 0 && pool.getQueue().isEmpty() ? idle + 1 : 0;
            try {
                Thread.sleep(QUIESCE_CHECK.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() {
        backlog.close();
        if (server != null) {
            try {
                quiesce();
                server.stop();
                LOG.info("Embedded MQTT broker stopped");
            } catch (Exception e) {
                LOG.warn("Embedded MQTT broker did not stop cleanly: {}", e.toString());
            }
            server = null;
        }
        if (keyStoreFile != null) {
            try {
                Files.deleteIfExists(keyStoreFile);
            } catch (IOException e) {
                LOG.warn("Cannot delete {}: {}", keyStoreFile, e.toString());
            }
            keyStoreFile = null;
        }
    }
}
